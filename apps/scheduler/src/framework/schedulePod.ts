import { formatFitError } from './fitError.js';
import type { NodeInfo, PodInfo, Profile } from './types.js';

export type ScheduleResult =
  | { scheduled: true; nodeName: string; feasibleNodes: number }
  | { scheduled: false; message: string; reasons: Map<string, number> };

/**
 * One scheduling decision, pure: filter every node, score the feasible ones, pick the best.
 *
 * `nodes` come sorted by name; `rotation` breaks ties: among the best-scoring nodes the first one
 * at or after position `rotation % feasible` wins, so a caller that counts its decisions sends
 * pods to equally good nodes round-robin, and the same inputs always give the same answer.
 */
export function schedulePod(pod: PodInfo, nodes: readonly NodeInfo[], profile: Profile, rotation: number): ScheduleResult {
  const feasible: NodeInfo[] = [];
  const reasons = new Map<string, number>();
  for (const node of nodes) {
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
  if (feasible.length === 0) return { scheduled: false, message: formatFitError(nodes.length, reasons), reasons };
  if (feasible.length === 1) return { scheduled: true, nodeName: feasible[0].name, feasibleNodes: 1 };

  const totals = new Array<number>(feasible.length).fill(0);
  for (const { plugin, weight } of profile.scores) {
    const scores = feasible.map((n) => plugin.score(pod, n));
    plugin.normalize?.(scores);
    for (let i = 0; i < scores.length; i++) totals[i] += weight * scores[i];
  }
  return { scheduled: true, nodeName: feasible[selectHost(totals, rotation)].name, feasibleNodes: feasible.length };
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
