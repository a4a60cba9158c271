import { describe, expect, it } from 'vitest';
import { DEFAULT_PROFILE } from '../plugins/registry.js';
import { makeNode, makePod } from '../testing/builders.js';
import { schedulePod, selectHost } from './schedulePod.js';

describe('selectHost', () => {
  it.each<[number[], number, number]>([
    [[10, 50, 20], 0, 1],
    [[10, 50, 20], 2, 1],
    [[50, 50, 50], 0, 0],
    [[50, 50, 50], 1, 1],
    [[50, 50, 50], 5, 2],
    [[50, 10, 50], 1, 2],
    [[50, 10, 50], 3, 0],
  ])('totals %j, rotation %i -> %i', (totals, rotation, index) => {
    expect(selectHost(totals, rotation)).toBe(index);
  });
});

describe('schedulePod', () => {
  it('explains why no node fits, one count per reason', () => {
    const nodes = [
      makeNode('a').cpu('1').info(),
      makeNode('b').cpu('1').info(),
      makeNode('c').cpu('8').label('disk', 'hdd').info(),
      makeNode('d').notReady().info(),
    ];
    const r = schedulePod(makePod().cpu('2').nodeSelector({ disk: 'hdd' }).info(), [nodes[0], nodes[1]], DEFAULT_PROFILE, 0);
    expect(r).toMatchObject({ scheduled: false, message: "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector." });
    const r2 = schedulePod(makePod().cpu('2').info(), nodes, DEFAULT_PROFILE, 0);
    expect(r2).toMatchObject({ scheduled: true, nodeName: 'c' });
    const r3 = schedulePod(makePod().cpu('16').info(), nodes, DEFAULT_PROFILE, 0);
    expect(r3).toMatchObject({ scheduled: false, message: '0/4 nodes are available: 1 node(s) were not ready, 3 Insufficient cpu.' });
  });

  it('prefers the least allocated node', () => {
    const busy = makeNode('a').info(makePod('x').cpu('2').memory('4Gi').node('a').build());
    const idle = makeNode('b').info();
    expect(schedulePod(makePod().cpu('1').info(), [busy, idle], DEFAULT_PROFILE, 0)).toMatchObject({ scheduled: true, nodeName: 'b' });
  });

  it('spreads the pods of one owner even against free resources', () => {
    // Node a is emptier, but already runs a pod of this ReplicaSet.
    const a = makeNode('a').cpu('8').memory('16Gi').info(makePod('x').owner('rs-1').node('a').build());
    const b = makeNode('b').info(makePod('y').cpu('1').memory('2Gi').node('b').build());
    expect(schedulePod(makePod().owner('rs-1').info(), [a, b], DEFAULT_PROFILE, 0)).toMatchObject({ nodeName: 'b' });
    expect(schedulePod(makePod().owner('rs-2').info(), [a, b], DEFAULT_PROFILE, 0)).toMatchObject({ nodeName: 'a' });
  });

  it('sends pods to equal nodes round-robin by rotation', () => {
    const nodes = ['n1', 'n2', 'n3'].map((n) => makeNode(n).info());
    const picks = [0, 1, 2, 3].map((i) => (schedulePod(makePod().info(), nodes, DEFAULT_PROFILE, i) as { nodeName: string }).nodeName);
    expect(picks).toEqual(['n1', 'n2', 'n3', 'n1']);
  });

  it('starts the search at startIndex, wrapping around, and looks at every node when none fits', () => {
    const nodes = ['n1', 'n2', 'n3'].map((n) => makeNode(n).cpu(n === 'n1' ? '8' : '1').info());
    // Only n1 fits: from index 2 the search goes n3, n1, n2 (under 100 nodes, every node is searched).
    expect(schedulePod(makePod().cpu('2').info(), nodes, DEFAULT_PROFILE, 0, { startIndex: 2, percentageOfNodesToScore: 0 })).toMatchObject({ scheduled: true, nodeName: 'n1', examinedNodes: 3 });
    expect(schedulePod(makePod().cpu('16').info(), nodes, DEFAULT_PROFILE, 0, { startIndex: 5, percentageOfNodesToScore: 0 })).toMatchObject({
      scheduled: false,
      examinedNodes: 3,
      message: '0/3 nodes are available: 3 Insufficient cpu.',
    });
  });
});
