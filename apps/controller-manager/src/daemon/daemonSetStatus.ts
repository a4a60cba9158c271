import type { DaemonSet, DaemonSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { deepEqual } from '@skiff/apimachinery';
import { isPodAvailable, isPodReady, readySince } from '../common/pods.js';
import { isPodUpdated, nodeShouldRunDaemonPod, templateGeneration } from './daemonPods.js';
import { compareDaemonPods } from './managePlan.js';

export interface ComputedDaemonSetStatus {
  status: DaemonSetStatus;
  /** When a Ready pod becomes available (minReadySeconds), if one is waiting. */
  nextAvailableAt?: number;
}

/**
 * Kubernetes' updateDaemonSetStatus, counted per node: a node that should run the daemon counts
 * toward desired, and, with a pod, toward current; its oldest pod decides ready, available and
 * updated. A node with a daemon pod that should not run one is misscheduled.
 * Example: 3 nodes, one tainted (no pod), one with a ready old pod, one with a new pod not yet
 * ready -> desired 2, current 2, ready 1, available 1, updated 1, unavailable 1.
 */
export function computeDaemonSetStatus(ds: DaemonSet, nodes: readonly Node[], byNode: ReadonlyMap<string, readonly Pod[]>, hash: string, now: Date, observe: boolean): ComputedDaemonSetStatus {
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const generation = templateGeneration(ds);
  let desired = 0;
  let current = 0;
  let misscheduled = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  let nextAvailableAt: number | undefined;
  for (const node of nodes) {
    const pods = byNode.get(node.metadata?.name ?? '') ?? [];
    const { shouldRun } = nodeShouldRunDaemonPod(node, ds);
    if (!shouldRun) {
      if (pods.length) misscheduled++;
      continue;
    }
    desired++;
    if (!pods.length) continue;
    current++;
    const pod = [...pods].sort(compareDaemonPods)[0];
    if (isPodReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, now)) available++;
      else {
        const at = (readySince(pod) ?? now.getTime()) + minReady * 1000;
        nextAvailableAt = nextAvailableAt === undefined ? at : Math.min(nextAvailableAt, at);
      }
    }
    if (isPodUpdated(pod, hash, generation)) updated++;
  }
  const stored = ds.status;
  const status: DaemonSetStatus = {
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    desiredNumberScheduled: desired,
    numberReady: ready,
    observedGeneration: observe ? ds.metadata?.generation : stored?.observedGeneration,
    updatedNumberScheduled: updated,
    numberAvailable: available,
    numberUnavailable: desired - available,
  };
  if (stored?.collisionCount !== undefined) status.collisionCount = stored.collisionCount;
  if (stored?.conditions?.length) status.conditions = stored.conditions;
  if (status.observedGeneration === undefined) delete status.observedGeneration;
  return { status, nextAvailableAt };
}

/**
 * Whether the stored status already says this. Kubernetes omits zero counts of the optional
 * fields on the wire, so a missing field equals 0.
 */
export function sameDaemonSetStatus(stored: DaemonSetStatus | undefined, next: DaemonSetStatus): boolean {
  const s: Partial<DaemonSetStatus> = stored ?? {};
  const counts = ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady', 'updatedNumberScheduled', 'numberAvailable', 'numberUnavailable'] as const;
  return counts.every((k) => (s[k] ?? 0) === (next[k] ?? 0)) && s.observedGeneration === next.observedGeneration && s.collisionCount === next.collisionCount && deepEqual(s.conditions ?? [], next.conditions ?? []);
}
