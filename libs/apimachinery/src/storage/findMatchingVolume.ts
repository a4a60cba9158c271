import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { compareQuantities } from '../exactQuantity.js';
import { matchesLabels, selectorFromLabelSelector } from '../labelSelector.js';
import { accessModesSatisfied, claimClass, holdsAtLeast, isVolumeBoundToClaim, requestedStorage, volumeCapacity, volumeClass, volumeModeOf } from './persistentVolumeClaims.js';
import { volumeNodeAffinityMatches, type NodeIdentity } from './volumeNodeAffinity.js';

export interface MatchOptions {
  /** The node the claim's consumer goes to (the scheduler's question); undefined for the PV controller. */
  node?: NodeIdentity;
  /**
   * The claim's class binds on first consumer: without a node, only volumes pre-bound to this
   * claim may be picked (any other choice could put the data where the pod cannot run).
   */
  delayBinding?: boolean;
  /** Volumes already promised to other claims in this decision. */
  excluded?: ReadonlySet<string>;
}

/**
 * The volume a claim should bind to, or undefined (Kubernetes' FindMatchingVolume). A volume
 * pre-bound to this claim (claimRef set by the user or a provisioner) wins if it is big enough and
 * usable on the node. Otherwise the smallest Available, unclaimed volume that matches the claim's
 * class, selector, volume mode and access modes and holds at least the request; among equals the
 * one offering the fewest access modes, then by name, so the choice is the same on every pass.
 *
 * Example: a claim for 5Gi ReadWriteOnce, volumes a (10Gi RWO), b (5Gi RWO,RWX), c (5Gi RWO):
 * c (5Gi, one mode) wins over b (5Gi, two modes) and a (larger).
 */
export function findMatchingVolume(claim: PersistentVolumeClaim, volumes: readonly PersistentVolume[], opts: MatchOptions = {}): PersistentVolume | undefined {
  const requested = requestedStorage(claim);
  const wantClass = claimClass(claim);
  const selector = claim.spec?.selector ? selectorFromLabelSelector(claim.spec.selector as never) : undefined;
  const mode = volumeModeOf(claim.spec);
  let best: PersistentVolume | undefined;
  for (const pv of volumes) {
    const name = pv.metadata?.name ?? '';
    if (opts.excluded?.has(name)) continue;
    if (pv.metadata?.deletionTimestamp) continue;
    const claimRef = pv.spec?.claimRef;
    if (claimRef && !isVolumeBoundToClaim(pv, claim)) continue;
    if (volumeModeOf(pv.spec) !== mode) continue;
    const nodeOk = !opts.node || volumeNodeAffinityMatches(pv, opts.node);
    const capacity = volumeCapacity(pv);
    if (claimRef) {
      // Pre-bound to this claim: nothing else is asked of it, as in Kubernetes.
      if (holdsAtLeast(capacity, requested) && nodeOk) return pv;
      continue;
    }
    if (opts.delayBinding && !opts.node) continue;
    if (pv.status?.phase !== 'Available') continue;
    if (selector && !matchesLabels(selector, pv.metadata?.labels)) continue;
    if (volumeClass(pv) !== wantClass) continue;
    if (!nodeOk) continue;
    if (!accessModesSatisfied(claim, pv)) continue;
    if (!holdsAtLeast(capacity, requested)) continue;
    if (!best || smaller(pv, best)) best = pv;
  }
  return best;
}

function smaller(a: PersistentVolume, b: PersistentVolume): boolean {
  const c = compareQuantities(volumeCapacity(a)!, volumeCapacity(b)!);
  if (c !== 0) return c < 0;
  const modes = (a.spec?.accessModes?.length ?? 0) - (b.spec?.accessModes?.length ?? 0);
  if (modes !== 0) return modes < 0;
  return (a.metadata?.name ?? '') < (b.metadata?.name ?? '');
}
