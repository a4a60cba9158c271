import { formatFitError } from './fitError.js';
import { numFeasibleNodesToFind } from './numFeasibleNodesToFind.js';
import type { NodeInfo, PodInfo, Profile } from './types.js';

/** Where the search for feasible nodes starts and how much of the cluster it looks for. */
export interface NodeSearch {
  /** Index into `nodes` of the first node filtered (taken modulo the node count). */
  startIndex: number;
  /** kube-scheduler's percentageOfNodesToScore: 0 adaptive, 100 every node (see numFeasibleNodesToFind). */
  percentageOfNodesToScore: number;
}

export const ADAPTIVE_SEARCH: NodeSearch = Object.freeze({ startIndex: 0, percentageOfNodesToScore: 0 });

/** `examinedNodes`: how many nodes were filtered; the next search starts that far on. */
export type ScheduleResult =
  | { scheduled: true; nodeName: string; feasibleNodes: number; examinedNodes: number }
  | { scheduled: false; message: string; reasons: Map<string, number>; examinedNodes: number };

/**
 * One scheduling decision, pure: filter nodes until enough are feasible, score those, pick the best.
 *
 * The filter walks `nodes` from `search.startIndex`, wrapping around, and stops once it found
 * numFeasibleNodesToFind(...) feasible nodes, so a decision costs O(nodes examined), not O(cluster).
 * A caller that starts the next pod's search where this one stopped (`examinedNodes` further on)
 * spreads pods over the whole cluster, as kube-scheduler's nextStartNodeIndex does.
 * A pod that fits nowhere has had every node examined, so its message counts them all.
 *
 * `nodes` come sorted by name; `rotation` breaks ties: among the best-scoring nodes the first one
 * at or after position `rotation % feasible` wins, so a caller that counts its decisions sends
 * pods to equally good nodes round-robin, and the same inputs always give the same answer.
 */
export function schedulePod(pod: PodInfo, nodes: readonly NodeInfo[], profile: Profile, rotation: number, search: NodeSearch = ADAPTIVE_SEARCH): ScheduleResult {
  const feasible: NodeInfo[] = [];
  const reasons = new Map<string, number>();
  const n = nodes.length;
  const toFind = numFeasibleNodesToFind(search.percentageOfNodesToScore, n);
  const start = n === 0 ? 0 : ((search.startIndex % n) + n) % n;
  let examined = 0;
  for (; examined < n && feasible.length < toFind; examined++) {
    const node = nodes[(start + examined) % n];
    let fits = true;
    for (const f of profile.filters) {
      const r = f.filter(pod, node);
      if (!r.fits) {
        for (const reason of r.reasons) reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
        fits = false;
        break;
      }
    }
    if (fits) feasible.push(node);
  }
  if (feasible.length === 0) return { scheduled: false, message: formatFitError(n, reasons), reasons, examinedNodes: examined };
  if (feasible.length === 1) return { scheduled: true, nodeName: feasible[0].name, feasibleNodes: 1, examinedNodes: examined };

  const totals = new Array<number>(feasible.length).fill(0);
  for (const { plugin, weight } of profile.scores) {
    const scores = feasible.map((node) => plugin.score(pod, node));
    plugin.normalize?.(scores);
    for (let i = 0; i < scores.length; i++) totals[i] += weight * scores[i];
  }
  return { scheduled: true, nodeName: feasible[selectHost(totals, rotation)].name, feasibleNodes: feasible.length, examinedNodes: examined };
}

/** Index of the highest total; ties go to the first at or after `rotation` (mod length). */
export function selectHost(totals: readonly number[], rotation: number): number {
  const n = totals.length;
  const start = ((rotation % n) + n) % n;
  let best = start;
  for (let k = 1; k < n; k++) {
    const i = (start + k) % n;
    if (totals[i] > totals[best]) best = i;
  }
  return best;
}
