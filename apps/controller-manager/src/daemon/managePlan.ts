import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { CONTROLLER_REVISION_HASH, nodeShouldRunDaemonPod, targetNodeName } from './daemonPods.js';
import { allowsSurge } from './updateStrategy.js';
import { isPodAvailable, isPodReady } from '../common/pods.js';

export interface ManagePlan {
  /** Nodes that get a new daemon pod. */
  create: string[];
  /** Daemon pods to delete: on nodes that should not run them, extra, failed or succeeded. */
  delete: Pod[];
  /** The failed pods among `delete` (each gets a FailedDaemonPod Warning). */
  failed: Pod[];
}

/**
 * Daemon pods by the node they belong to (bound, or aimed at by their node affinity). Pods that
 * finished and are already being deleted are left out: nothing is left to do with them.
 */
export function podsByNode(pods: readonly Pod[]): Map<string, Pod[]> {
  const out = new Map<string, Pod[]>();
  for (const pod of pods) {
    const phase = pod.status?.phase;
    if (pod.metadata?.deletionTimestamp && (phase === 'Succeeded' || phase === 'Failed')) continue;
    const node = targetNodeName(pod);
    if (node === undefined) continue;
    out.set(node, [...(out.get(node) ?? []), pod]);
  }
  return out;
}

/** Bound before unbound, then oldest first, then by name (podByCreationTimestampAndPhase). */
export function compareDaemonPods(a: Pod, b: Pod): number {
  const aBound = a.spec?.nodeName ? 0 : 1;
  const bBound = b.spec?.nodeName ? 0 : 1;
  if (aBound !== bBound) return aBound - bBound;
  const at = Date.parse(a.metadata?.creationTimestamp ?? '') || 0;
  const bt = Date.parse(b.metadata?.creationTimestamp ?? '') || 0;
  if (at !== bt) return at - bt;
  return (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? '');
}

/**
 * What one node needs (Kubernetes' podsShouldBeOnNode):
 * - should run and has no pod -> create one;
 * - may keep running -> delete failed and succeeded pods (a new one comes next pass), and all but
 *   the oldest running pod; while surging, an old and a new pod may share the node until the new
 *   one is available (or the old one stops being ready);
 * - may not keep running -> delete every pod there.
 */
export function planNode(node: Node, ds: DaemonSet, pods: readonly Pod[] | undefined, hash: string, now: Date): ManagePlan {
  const plan: ManagePlan = { create: [], delete: [], failed: [] };
  const name = node.metadata?.name ?? '';
  const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
  if (shouldRun && !pods) {
    plan.create.push(name);
    return plan;
  }
  if (!pods) return plan;
  if (!shouldContinueRunning) {
    plan.delete.push(...pods.filter((p) => !p.metadata?.deletionTimestamp));
    return plan;
  }
  const running: Pod[] = [];
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    if (pod.status?.phase === 'Failed') {
      plan.delete.push(pod);
      plan.failed.push(pod);
    } else if (pod.status?.phase === 'Succeeded') {
      plan.delete.push(pod);
    } else {
      running.push(pod);
    }
  }
  running.sort(compareDaemonPods);
  if (!allowsSurge(ds)) {
    plan.delete.push(...running.slice(1));
    return plan;
  }
  if (running.length === 0) {
    if (shouldRun) plan.create.push(name);
    return plan;
  }
  // Surging: keep the oldest new pod and the oldest old pod, and the old one only while the new
  // one is not yet available and the old one still serves.
  let oldestNew: Pod | undefined;
  let oldestOld: Pod | undefined;
  for (const pod of running) {
    const isNew = pod.metadata?.labels?.[CONTROLLER_REVISION_HASH] === hash;
    if (isNew && !oldestNew) oldestNew = pod;
    else if (!isNew && !oldestOld) oldestOld = pod;
    else plan.delete.push(pod);
  }
  if (oldestNew && oldestOld && (!isPodReady(oldestOld) || isPodAvailable(oldestNew, ds.spec?.minReadySeconds ?? 0, now))) {
    plan.delete.push(oldestOld);
  }
  return plan;
}

/**
 * Kubernetes' manage: every node's plan, plus unbound pods aimed at nodes that no longer exist
 * (no scheduler will ever bind them, and no node will ever clean them up).
 */
export function planDaemonPods(ds: DaemonSet, nodes: readonly Node[], byNode: ReadonlyMap<string, readonly Pod[]>, hash: string, now: Date): ManagePlan {
  const plan: ManagePlan = { create: [], delete: [], failed: [] };
  const names = new Set<string>();
  for (const node of nodes) {
    names.add(node.metadata?.name ?? '');
    const p = planNode(node, ds, byNode.get(node.metadata?.name ?? ''), hash, now);
    plan.create.push(...p.create);
    plan.delete.push(...p.delete);
    plan.failed.push(...p.failed);
  }
  for (const [node, pods] of byNode) {
    if (names.has(node)) continue;
    plan.delete.push(...pods.filter((p) => !p.spec?.nodeName && !p.metadata?.deletionTimestamp));
  }
  return plan;
}
