import { describe, expect, it } from 'vitest';
import { makeNode, makePod } from '../testing/builders.js';
import { freeShare, leastAllocatedScore } from './leastAllocated.js';
import { normalizeSpread, sameOwnerPods } from './ownerSpread.js';

describe('LeastAllocated', () => {
  it.each([
    [0, 4000, 100],
    [1000, 4000, 75],
    [4000, 4000, 0],
    [5000, 4000, 0],
    [1, 3, 66],
    [0, 0, 0],
  ])('free share of %i requested out of %i is %i', (requested, allocatable, score) => {
    expect(freeShare(requested, allocatable)).toBe(score);
  });

  it.each([
    ['an empty node', makeNode().cpu('4').memory('8Gi'), [], makePod().cpu('1').memory('2Gi'), 75],
    ['half used after placing', makeNode().cpu('4').memory('8Gi'), [makePod('a').cpu('1').memory('2Gi').node('node-1').build()], makePod().cpu('1').memory('2Gi'), 50],
    ['cpu and memory weigh the same', makeNode().cpu('4').memory('8Gi'), [], makePod().cpu('2').memory('0'), 75],
    ['request-less pods count as 100m / 200Mi', makeNode().cpu('1').memory('2000Mi'), [], makePod(), 90],
  ])('%s', (_name, node, onNode, pod, score) => {
    expect(leastAllocatedScore(pod.info(), node.info(...onNode))).toBe(score);
  });
});

describe('OwnerSpread', () => {
  it('counts pods of the same controller on the node, not terminating ones', () => {
    const node = makeNode().info(
      makePod('a').owner('rs-1').node('node-1').build(),
      makePod('b').owner('rs-1').node('node-1').build(),
      makePod('c').owner('rs-2').node('node-1').build(),
      makePod('d').owner('rs-1').node('node-1').terminating().build(),
    );
    expect(sameOwnerPods(makePod().owner('rs-1').info(), node)).toBe(2);
    expect(sameOwnerPods(makePod().owner('rs-3').info(), node)).toBe(0);
    expect(sameOwnerPods(makePod().info(), node)).toBe(0);
  });

  it.each([
    [[0, 1, 2], [100, 50, 0]],
    [[0, 0, 0], [100, 100, 100]],
    [[3, 3], [0, 0]],
    [[1, 3, 2], [66, 0, 33]],
  ])('normalizes %j to %j', (counts, scores) => {
    const s = [...counts];
    normalizeSpread(s);
    expect(s).toEqual(scores);
  });
});
