import { describe, expect, it } from 'vitest';
import { makeNode, makePod } from '../testing/builders.js';
import { fitsResources } from './nodeResourcesFit.js';

describe('NodeResourcesFit', () => {
  it.each([
    ['a pod within what is left', makePod().cpu('1').memory('1Gi'), makeNode().cpu('2').memory('2Gi'), [makePod('a').cpu('1').memory('1Gi').node('node-1').build()], []],
    ['exactly what is left', makePod().cpu('500m'), makeNode().cpu('2'), [makePod('a').cpu('1500m').node('node-1').build()], []],
    ['one millicore too many', makePod().cpu('501m'), makeNode().cpu('2'), [makePod('a').cpu('1500m').node('node-1').build()], ['Insufficient cpu']],
    ['more cpu than the node has', makePod().cpu('3'), makeNode().cpu('2'), [], ['Insufficient cpu']],
    ['more memory than is left', makePod().memory('1Gi'), makeNode().memory('2Gi'), [makePod('a').memory('1536Mi').node('node-1').build()], ['Insufficient memory']],
    ['short of cpu and memory: both reasons', makePod().cpu('3').memory('3Gi'), makeNode().cpu('2').memory('2Gi'), [], ['Insufficient cpu', 'Insufficient memory']],
    ['no free pod slot', makePod().cpu('1m'), makeNode().pods(1), [makePod('a').node('node-1').build()], ['Too many pods']],
    ['a request-less pod on a full node only needs a slot', makePod(), makeNode().cpu('1'), [makePod('a').cpu('1').node('node-1').build()], []],
    ['init containers count as a floor, not an addend', makePod().cpu('1').initContainer({ cpu: '2' }), makeNode().cpu('2'), [], []],
    ['an init container above the node', makePod().cpu('1').initContainer({ cpu: '3' }), makeNode().cpu('2'), [], ['Insufficient cpu']],
  ])('%s', (_name, pod, node, onNode, reasons) => {
    const r = fitsResources(pod.info(), node.info(...onNode));
    expect(r.fits ? [] : r.reasons).toEqual(reasons);
  });
});
