import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { compareQuantities, parseExactQuantity, type ExactQuantity } from '../exactQuantity.js';
import { ANN_BETA_DEFAULT_STORAGE_CLASS, ANN_BETA_STORAGE_CLASS, ANN_BIND_COMPLETED, ANN_DEFAULT_STORAGE_CLASS } from './annotations.js';

/**
 * Small readers of claims, volumes and classes shared by the PV controller, the scheduler's
 * volume binding and the node agent (Kubernetes' storage/helpers and persistentvolume/util).
 */

/** The class a claim asks for: spec.storageClassName, else the beta annotation, else "" (no class). */
export function claimClass(claim: PersistentVolumeClaim): string {
  return claim.spec?.storageClassName ?? claim.metadata?.annotations?.[ANN_BETA_STORAGE_CLASS] ?? '';
}

/** The class a volume belongs to, the same way. */
export function volumeClass(pv: PersistentVolume): string {
  return pv.spec?.storageClassName ?? pv.metadata?.annotations?.[ANN_BETA_STORAGE_CLASS] ?? '';
}

/** The storage a claim requests, undefined when it does not say (validation requires it). */
export function requestedStorage(claim: PersistentVolumeClaim): ExactQuantity | undefined {
  return parseExactQuantity(claim.spec?.resources?.requests?.storage);
}

export function volumeCapacity(pv: PersistentVolume): ExactQuantity | undefined {
  return parseExactQuantity(pv.spec?.capacity?.storage);
}

/** Whether `a` holds at least `b`. A volume without a readable capacity holds nothing. */
export function holdsAtLeast(a: ExactQuantity | undefined, b: ExactQuantity | undefined): boolean {
  if (!a) return false;
  return !b || compareQuantities(a, b) >= 0;
}

/** Filesystem unless it says Block, for claims and volumes alike. */
export function volumeModeOf(spec: { volumeMode?: string } | undefined): string {
  return spec?.volumeMode || 'Filesystem';
}

/** Whether the volume's claimRef points at this claim (by namespace and name, and uid when it has one). */
export function isVolumeBoundToClaim(pv: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== claim.metadata?.name || ref.namespace !== claim.metadata?.namespace) return false;
  return !ref.uid || ref.uid === claim.metadata?.uid;
}

/** Whether the controller has completed binding the claim (the annotation Kubernetes sets with volumeName). */
export function isClaimBindCompleted(claim: PersistentVolumeClaim): boolean {
  return claim.metadata?.annotations?.[ANN_BIND_COMPLETED] !== undefined;
}

/** Every access mode the claim asks for is one the volume offers. */
export function accessModesSatisfied(claim: PersistentVolumeClaim, pv: PersistentVolume): boolean {
  const offered = new Set(pv.spec?.accessModes ?? []);
  return (claim.spec?.accessModes ?? []).every((m) => offered.has(m));
}

/** Whether the class is marked default (either annotation, "true" only). */
export function isDefaultStorageClass(sc: StorageClass): boolean {
  const a = sc.metadata?.annotations ?? {};
  return a[ANN_DEFAULT_STORAGE_CLASS] === 'true' || a[ANN_BETA_DEFAULT_STORAGE_CLASS] === 'true';
}

/**
 * The default class among `classes`: with several defaults, the newest wins (then by name), as
 * Kubernetes' GetDefaultClass decides since 1.26. Undefined when none is marked.
 */
export function defaultStorageClass(classes: readonly StorageClass[]): StorageClass | undefined {
  const defaults = classes.filter(isDefaultStorageClass);
  defaults.sort((a, b) => {
    const ta = a.metadata?.creationTimestamp ?? '';
    const tb = b.metadata?.creationTimestamp ?? '';
    if (ta !== tb) return ta < tb ? 1 : -1;
    return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1;
  });
  return defaults[0];
}

/** Immediate unless the class says WaitForFirstConsumer. */
export function isDelayBindingClass(sc: StorageClass | undefined): boolean {
  return sc?.volumeBindingMode === 'WaitForFirstConsumer';
}
