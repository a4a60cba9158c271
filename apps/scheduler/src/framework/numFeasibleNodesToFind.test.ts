import { describe, expect, it } from 'vitest';
import { numFeasibleNodesToFind } from './numFeasibleNodesToFind.js';

describe('numFeasibleNodesToFind', () => {
  it.each<[number, number, number]>([
    // adaptive (0): 50 % at 100 nodes, one point less per 125 nodes, floor 5 %, never under 100 nodes
    [0, 0, 0],
    [0, 50, 50],
    [0, 99, 99],
    [0, 100, 100],
    [0, 250, 120],
    [0, 1000, 420],
    [0, 5000, 500],
    [0, 6000, 300],
    [0, 10_000, 500],
    // configured
    [30, 500, 150],
    [10, 500, 100],
    [1, 5000, 100],
    [100, 5000, 5000],
    [150, 1000, 1000],
    [50, 50, 50],
  ])('percentage %i of %i nodes -> %i', (percentage, nodes, expected) => {
    expect(numFeasibleNodesToFind(percentage, nodes)).toBe(expected);
  });
});
