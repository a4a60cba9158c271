import { describe, expect, it } from 'vitest';
import { formatFitError } from './fitError.js';

describe('formatFitError', () => {
  it.each<[number, [string, number][], string]>([
    [2, [['Insufficient cpu', 2]], '0/2 nodes are available: 2 Insufficient cpu.'],
    [
      3,
      [['Insufficient cpu', 2], ["node(s) didn't match Pod's node affinity/selector", 1]],
      "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 Insufficient cpu.",
    ],
    [
      2,
      [['Insufficient memory', 1], ['Insufficient cpu', 1]],
      '0/2 nodes are available: 1 Insufficient cpu, 1 Insufficient memory.',
    ],
    // Sorted as strings, like Kubernetes: "10 ..." before "2 ...".
    [12, [['Insufficient cpu', 2], ['node(s) were not ready', 10]], '0/12 nodes are available: 10 node(s) were not ready, 2 Insufficient cpu.'],
    [1, [['node(s) had untolerated taint {dedicated: gpu}', 1]], '0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}.'],
    [0, [], 'no nodes available to schedule pods'],
  ])('%i nodes, %j', (nodes, reasons, message) => {
    expect(formatFitError(nodes, new Map(reasons))).toBe(message);
  });
});
