/** Below this many nodes every node is searched; above it, at least this many feasible nodes are found. */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
/** The adaptive percentage never drops below this. */
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;
/** The adaptive percentage at (and below) 100 nodes, before it shrinks with the cluster. */
const BASE_PERCENTAGE_OF_NODES_TO_SCORE = 50;
/** The adaptive percentage loses one point per this many nodes. */
const NODES_PER_PERCENTAGE_POINT = 125;

/**
 * How many feasible nodes the scheduler looks for before it stops filtering and scores what it
 * found (kube-scheduler's percentageOfNodesToScore). `percentage` 0 (or less) is adaptive:
 * 50 % minus one point per 125 nodes, never under 5 %; 100 or more is every node. The answer is
 * never under 100 nodes, so small clusters are always searched whole.
 *
 * Worked examples (adaptive):
 *     50 nodes -> fewer than 100: all 50
 *    100 nodes -> 50 - 0 = 50 %  -> 50, raised to the floor of 100
 *   1000 nodes -> 50 - 8 = 42 %  -> 420
 *   5000 nodes -> 50 - 40 = 10 % -> 500
 *  10000 nodes -> 50 - 80 < 5 %, so 5 % -> 500
 * With `percentage` 30 at 500 nodes: 150.
 */
export function numFeasibleNodesToFind(percentage: number, numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND || percentage >= 100) return numAllNodes;
  let p = percentage;
  if (p <= 0) {
    p = BASE_PERCENTAGE_OF_NODES_TO_SCORE - Math.floor(numAllNodes / NODES_PER_PERCENTAGE_POINT);
    if (p < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) p = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  return Math.max(MIN_FEASIBLE_NODES_TO_FIND, Math.floor((numAllNodes * p) / 100));
}
