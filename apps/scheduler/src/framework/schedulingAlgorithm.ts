import { schedulePod, type ScheduleResult } from './schedulePod.js';
import type { NodeInfo, PodInfo, Profile } from './types.js';

/**
 * The scheduler's decisions in sequence: `schedulePod` plus the two counters that carry from one
 * pod to the next (kube-scheduler keeps the same on its Scheduler: nextStartNodeIndex).
 *   - the search start: each pod's search begins where the previous one stopped, so when only part
 *     of the cluster is searched per pod, successive pods still look at every node in turn;
 *   - the rotation: ties among equally good nodes go round-robin.
 * Synchronous, so concurrent reconciles in one process take turns.
 */
export class SchedulingAlgorithm {
  private rotation = 0;
  private nextStartNodeIndex = 0;

  constructor(
    private readonly profile: Profile,
    /** kube-scheduler's percentageOfNodesToScore: 0 adaptive, 100 every node. */
    private readonly percentageOfNodesToScore = 0,
  ) {}

  schedule(pod: PodInfo, nodes: readonly NodeInfo[]): ScheduleResult {
    const result = schedulePod(pod, nodes, this.profile, this.rotation++, { startIndex: this.nextStartNodeIndex, percentageOfNodesToScore: this.percentageOfNodesToScore });
    if (nodes.length > 0) this.nextStartNodeIndex = (this.nextStartNodeIndex + result.examinedNodes) % nodes.length;
    return result;
  }
}
