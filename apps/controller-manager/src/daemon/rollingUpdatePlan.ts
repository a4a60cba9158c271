import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { isPodAvailable } from '../common/pods.js';
import { isPodUpdated, nodeShouldRunDaemonPod, templateGeneration } from './daemonPods.js';
import { surgeCount, unavailableCount } from './updateStrategy.js';

export interface RollingUpdatePlan {
  /** Old pods to delete (the manage pass then makes their replacements). */
  delete: Pod[];
  /** Nodes that get a new pod beside their old one (surge). */
  create: string[];
}

/**
 * The node's one new and one old pod, ignoring pods being deleted; `ok` false when there are
 * several of either (the manage pass prunes those first).
 */
export function updatedPodsOnNode(ds: DaemonSet, pods: readonly Pod[], hash: string): { newPod?: Pod; oldPod?: Pod; ok: boolean } {
  const generation = templateGeneration(ds);
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    if (isPodUpdated(pod, hash, generation)) {
      if (newPod) return { ok: false };
      newPod = pod;
    } else {
      if (oldPod) return { ok: false };
      oldPod = pod;
    }
  }
  return { newPod, oldPod, ok: true };
}

/**
 * Desired nodes and the resolved bounds (Kubernetes' updatedDesiredNodeCounts). Both bounds zero
 * would stall the update, so unavailability becomes 1. Example: 5 nodes, maxUnavailable 20%,
 * maxSurge 0 -> 1 unavailable; maxUnavailable 0, maxSurge 30% -> 2 surge (1.5 rounded up).
 */
export function rollingBounds(ds: DaemonSet, nodes: readonly Node[]): { desired: number; maxSurge: number; maxUnavailable: number } {
  const desired = nodes.filter((n) => nodeShouldRunDaemonPod(n, ds).shouldRun).length;
  const maxSurge = surgeCount(ds, desired);
  let maxUnavailable = unavailableCount(ds, desired);
  if (desired > 0 && maxSurge === 0 && maxUnavailable === 0) maxUnavailable = 1;
  return { desired, maxSurge, maxUnavailable };
}

/**
 * One step of a RollingUpdate (Kubernetes' rollingUpdate), node by node in name order.
 *
 * Without surge, old pods are deleted while fewer than maxUnavailable nodes lack an available
 * pod: a node with no pod, an unavailable new pod, or both kinds counts against the budget; an
 * old pod that is not available is replaced at once, even past the budget. Example: 4 nodes, all old and
 * available, maxUnavailable 1 -> delete the old pod of the first node; next pass its new pod is
 * not yet available (1 of 1 used) -> nothing; once it is, the second node's old pod goes.
 *
 * With surge, a new pod starts beside an old one (up to maxSurge at a time, or at once where the
 * old one is unavailable), and the old pod is deleted when the new one is available. Old pods on
 * nodes that should no longer run one go only while more pods are available than nodes want them.
 */
export function planRollingUpdate(ds: DaemonSet, nodes: readonly Node[], byNode: ReadonlyMap<string, readonly Pod[]>, hash: string, now: Date): RollingUpdatePlan {
  const { desired, maxSurge, maxUnavailable } = rollingBounds(ds, nodes);
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const available = (p: Pod) => isPodAvailable(p, minReady, now);
  const nodeByName = new Map(nodes.map((n) => [n.metadata?.name ?? '', n]));
  const shouldRun = (name: string) => {
    const node = nodeByName.get(name);
    return !!node && nodeShouldRunDaemonPod(node, ds).shouldRun;
  };
  const names = new Set(byNode.keys());
  for (const n of nodes) if (shouldRun(n.metadata?.name ?? '')) names.add(n.metadata?.name ?? '');
  const ordered = [...names].sort();

  if (maxSurge === 0) {
    let unavailable = 0;
    const replace: Pod[] = [];
    const candidates: Pod[] = [];
    for (const name of ordered) {
      const { newPod, oldPod, ok } = updatedPodsOnNode(ds, byNode.get(name) ?? [], hash);
      if (!ok || (!oldPod && !newPod) || (oldPod && newPod)) {
        unavailable++;
      } else if (newPod) {
        if (!available(newPod)) unavailable++;
      } else if (oldPod && !available(oldPod)) {
        replace.push(oldPod);
        unavailable++;
      } else if (oldPod && unavailable < maxUnavailable) {
        candidates.push(oldPod);
      }
    }
    const room = Math.min(Math.max(maxUnavailable - unavailable, 0), candidates.length);
    return { delete: [...replace, ...candidates.slice(0, room)], create: [] };
  }

  const toDelete: Pod[] = [];
  const notWanted: Pod[] = [];
  const allowedNew: string[] = [];
  const candidateNew: string[] = [];
  let surging = 0;
  let availableCount = 0;
  for (const name of ordered) {
    const { newPod, oldPod, ok } = updatedPodsOnNode(ds, byNode.get(name) ?? [], hash);
    if (!ok) {
      surging++;
      continue;
    }
    if (oldPod ? available(oldPod) : newPod && available(newPod)) availableCount++;
    if (!oldPod) continue;
    if (!newPod) {
      if (!available(oldPod)) {
        if (!shouldRun(name)) toDelete.push(oldPod);
        else allowedNew.push(name);
      } else if (!shouldRun(name)) {
        notWanted.push(oldPod);
      } else if (surging < maxSurge) {
        candidateNew.push(name);
      }
      continue;
    }
    if (!available(newPod)) surging++;
    else toDelete.push(oldPod);
  }
  // With surge the owner expects no gap: a pod on a node that left the selection goes only once
  // another node's pod is available in its place.
  const deletable = Math.min(Math.max(availableCount - desired, 0), notWanted.length);
  toDelete.push(...notWanted.slice(0, deletable));
  const room = Math.min(Math.max(maxSurge - surging, 0), candidateNew.length);
  return { delete: toDelete, create: [...allowedNew, ...candidateNew.slice(0, room)] };
}
