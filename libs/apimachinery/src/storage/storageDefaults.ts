import type { KubeObject } from '../types.js';

/**
 * Kubernetes' defaulting of the storage kinds (SetDefaults_PersistentVolume,
 * SetDefaults_PersistentVolumeClaim, SetDefaults_StorageClass). Like `applyDefaults`, each fills
 * only what is unset, in place on a copy the caller owns.
 */

type Json = Record<string, unknown>;

function child(o: Json, key: string): Json {
  if (typeof o[key] !== 'object' || o[key] === null || Array.isArray(o[key])) o[key] = {};
  return o[key] as Json;
}

function setDefault(o: Json, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null || o[key] === '') o[key] = value;
}

/**
 * A volume made by hand is kept when its claim goes (Retain); provisioners write Delete from
 * their class. New volumes start Pending until the PV controller looks at them.
 */
export function setPersistentVolumeDefaults(pv: KubeObject): void {
  const spec = child(pv, 'spec');
  setDefault(spec, 'persistentVolumeReclaimPolicy', 'Retain');
  setDefault(spec, 'volumeMode', 'Filesystem');
  const hostPath = spec.hostPath;
  if (typeof hostPath === 'object' && hostPath !== null && (hostPath as Json).type === undefined) (hostPath as Json).type = '';
  setDefault(child(pv, 'status'), 'phase', 'Pending');
}

export function setPersistentVolumeClaimDefaults(pvc: KubeObject): void {
  setDefault(child(pvc, 'spec'), 'volumeMode', 'Filesystem');
  setDefault(child(pvc, 'status'), 'phase', 'Pending');
}

export function setStorageClassDefaults(sc: KubeObject): void {
  const o = sc as Json;
  setDefault(o, 'reclaimPolicy', 'Delete');
  setDefault(o, 'volumeBindingMode', 'Immediate');
}
