import { deepEqual } from '../deepEqual.js';
import { compareQuantities, parseExactQuantity } from '../exactQuantity.js';
import { dns1123SubdomainErrors } from '../names.js';
import type { KubeObject } from '../types.js';
import { FieldPath, forbidden, IMMUTABLE, invalid, invalidEach, notSupported, required, type FieldErrors } from './fieldErrors.js';
import { validateLabelSelector } from './labelSelector.js';
import { QUANTITY_FORMAT_ERROR } from './resourceQuantity.js';
import { arr, describeDifferences, isObject, obj, str, type Json } from './values.js';

/**
 * Kubernetes' ValidatePersistentVolume / ValidatePersistentVolumeClaim and their update rules
 * (pkg/apis/core/validation), with the volume sources a Skiff node can mount: a PV is a
 * directory on a node (`local`, with node affinity) or on every node (`hostPath`); other
 * sources are refused rather than accepted and never mounted.
 */

export const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
const RECLAIM_POLICIES = ['Delete', 'Recycle', 'Retain'];
const VOLUME_MODES = ['Block', 'Filesystem'];

/** Every PersistentVolumeSource field Kubernetes knows. */
const PV_SOURCES = [
  'gcePersistentDisk', 'awsElasticBlockStore', 'hostPath', 'glusterfs', 'nfs', 'rbd', 'iscsi', 'cinder', 'cephfs', 'fc', 'flocker',
  'flexVolume', 'azureFile', 'vsphereVolume', 'quobyte', 'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'local',
  'storageos', 'csi',
];
export const SUPPORTED_PV_SOURCES: readonly string[] = ['hostPath', 'local'];

const SPEC = FieldPath.root('spec');

function validateAccessModes(raw: unknown, path: FieldPath, requiredMessage: string, errs: FieldErrors): string[] {
  const modes = arr(raw, path, errs).map((m, i) => str(m, path.index(i), errs));
  if (modes.length === 0) errs.push(required(path, requiredMessage));
  for (const mode of modes) if (!ACCESS_MODES.includes(mode)) errs.push(notSupported(path, mode, ACCESS_MODES));
  if (modes.includes('ReadWriteOncePod') && modes.length > 1) errs.push(forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
  return modes;
}

/** A storage quantity: parses and is above zero. */
function validateStorageQuantity(raw: unknown, path: FieldPath, errs: FieldErrors): void {
  const q = parseExactQuantity(raw);
  if (!q) errs.push(invalid(path, raw, QUANTITY_FORMAT_ERROR));
  else if (q.nanos <= 0n) errs.push(invalid(path, raw, 'must be greater than zero'));
}

function validateClassName(raw: unknown, path: FieldPath, errs: FieldErrors): void {
  if (raw === undefined || raw === null || raw === '') return;
  const name = str(raw, path, errs);
  if (name) errs.push(...invalidEach(path, name, dns1123SubdomainErrors(name)));
}

function validateVolumeMode(raw: unknown, path: FieldPath, errs: FieldErrors): void {
  if (raw === undefined || raw === null) return;
  const mode = str(raw, path, errs);
  if (!VOLUME_MODES.includes(mode)) errs.push(notSupported(path, mode, VOLUME_MODES));
}

function validateAbsolutePath(raw: unknown, path: FieldPath, errs: FieldErrors): void {
  const p = str(raw, path, errs);
  if (!p) {
    errs.push(required(path));
    return;
  }
  if (p.split('/').includes('..')) errs.push(invalid(path, p, "must not contain '..'"));
}

function validateNodeAffinity(raw: unknown, path: FieldPath, errs: FieldErrors): boolean {
  if (raw === undefined || raw === null) return false;
  const affinity = obj(raw, path, errs);
  if (affinity.required === undefined || affinity.required === null) {
    errs.push(required(path.child('required'), 'must specify required node constraints'));
    return false;
  }
  const terms = arr(obj(affinity.required, path.child('required'), errs).nodeSelectorTerms, path.child('required', 'nodeSelectorTerms'), errs);
  if (terms.length === 0) errs.push(required(path.child('required', 'nodeSelectorTerms'), 'must have at least one node selector term'));
  return true;
}

export function validatePersistentVolume(pv: KubeObject, errs: FieldErrors): void {
  const spec = obj(pv.spec, SPEC, errs);
  validateAccessModes(spec.accessModes, SPEC.child('accessModes'), 'must specify at least 1 access mode', errs);

  const capacity = obj(spec.capacity, SPEC.child('capacity'), errs);
  if (Object.keys(capacity).length === 0) errs.push(required(SPEC.child('capacity')));
  if (!('storage' in capacity) || Object.keys(capacity).length > 1) errs.push(notSupported(SPEC.child('capacity'), capacity, ['storage']));
  for (const [name, value] of Object.entries(capacity)) validateStorageQuantity(value, SPEC.child('capacity').key(name), errs);

  if (spec.persistentVolumeReclaimPolicy !== undefined) {
    const policy = str(spec.persistentVolumeReclaimPolicy, SPEC.child('persistentVolumeReclaimPolicy'), errs);
    if (!RECLAIM_POLICIES.includes(policy)) errs.push(notSupported(SPEC.child('persistentVolumeReclaimPolicy'), policy, RECLAIM_POLICIES));
  }
  validateClassName(spec.storageClassName, SPEC.child('storageClassName'), errs);
  validateVolumeMode(spec.volumeMode, SPEC.child('volumeMode'), errs);
  const hasAffinity = validateNodeAffinity(spec.nodeAffinity, SPEC.child('nodeAffinity'), errs);

  const sources = PV_SOURCES.filter((s) => spec[s] !== undefined && spec[s] !== null);
  if (sources.length === 0) errs.push(required(SPEC, 'must specify a volume type'));
  for (const [i, source] of sources.entries()) {
    const p = SPEC.child(source);
    if (i > 0) {
      errs.push(forbidden(p, 'may not specify more than 1 volume type'));
      continue;
    }
    if (!SUPPORTED_PV_SOURCES.includes(source)) {
      errs.push(forbidden(p, `volume type not supported by this cluster; supported types: ${SUPPORTED_PV_SOURCES.join(', ')}`));
      continue;
    }
    const src = obj(spec[source], p, errs);
    validateAbsolutePath(src.path, p.child('path'), errs);
    if (source === 'local' && !hasAffinity) errs.push(required(SPEC.child('nodeAffinity'), 'Local volume requires node affinity'));
  }

  if (isObject(spec.claimRef)) {
    const ref = spec.claimRef;
    if (!ref.name) errs.push(required(SPEC.child('claimRef', 'name')));
    if (!ref.namespace) errs.push(required(SPEC.child('claimRef', 'namespace')));
  }
}

/** The volume's source, its mode and (once set) its node affinity and class stay as they were created. */
export function validatePersistentVolumeUpdate(next: KubeObject, prev: KubeObject, errs: FieldErrors): void {
  const a = obj(prev.spec, SPEC, []);
  const b = obj(next.spec, SPEC, []);
  const sourceOf = (s: Json) => Object.fromEntries(PV_SOURCES.filter((k) => s[k] !== undefined).map((k) => [k, s[k]]));
  if (!deepEqual(sourceOf(a), sourceOf(b))) {
    errs.push(forbidden(SPEC.child('persistentvolumesource'), `spec.persistentvolumesource is immutable after creation\n${describeDifferences(sourceOf(a), sourceOf(b)).join('\n')}`));
  }
  if ((a.volumeMode ?? 'Filesystem') !== (b.volumeMode ?? 'Filesystem')) errs.push(invalid(SPEC.child('volumeMode'), b.volumeMode ?? null, IMMUTABLE));
  if (a.nodeAffinity !== undefined && !deepEqual(a.nodeAffinity, b.nodeAffinity)) errs.push(invalid(SPEC.child('nodeAffinity'), b.nodeAffinity ?? null, IMMUTABLE));
  if (a.storageClassName && a.storageClassName !== b.storageClassName) errs.push(invalid(SPEC.child('storageClassName'), b.storageClassName ?? '', IMMUTABLE));
}

export function validatePersistentVolumeClaim(pvc: KubeObject, errs: FieldErrors): void {
  const spec = obj(pvc.spec, SPEC, errs);
  validateAccessModes(spec.accessModes, SPEC.child('accessModes'), 'at least 1 access mode is required', errs);
  if (spec.selector !== undefined && spec.selector !== null) validateLabelSelector(spec.selector, SPEC.child('selector'), errs);
  const requests = obj(obj(spec.resources, SPEC.child('resources'), errs).requests, SPEC.child('resources', 'requests'), errs);
  // Kubernetes names this path `spec.resources[storage]`, not `spec.resources.requests[storage]`.
  if (requests.storage === undefined || requests.storage === null) errs.push(required(SPEC.child('resources').key('storage')));
  else validateStorageQuantity(requests.storage, SPEC.child('resources').key('storage'), errs);
  validateClassName(spec.storageClassName, SPEC.child('storageClassName'), errs);
  validateVolumeMode(spec.volumeMode, SPEC.child('volumeMode'), errs);
  if (spec.volumeName !== undefined && spec.volumeName !== '') str(spec.volumeName, SPEC.child('volumeName'), errs);
}

/**
 * A claim's spec is fixed once created, except: the PV controller fills volumeName once, a class
 * may be given to a claim that had none (the default class, retroactively), and a bound claim may
 * ask for more storage, never less.
 */
export function validatePersistentVolumeClaimUpdate(next: KubeObject, prev: KubeObject, errs: FieldErrors): void {
  const before = structuredClone(obj(prev.spec, SPEC, []));
  const after = structuredClone(obj(next.spec, SPEC, []));
  if (!before.volumeName) before.volumeName = after.volumeName;
  if (before.storageClassName === undefined || before.storageClassName === null) before.storageClassName = after.storageClassName;
  const bound = (obj(next.status, FieldPath.root('status'), []) as { phase?: unknown }).phase === 'Bound';
  const requestsOf = (s: Json) => obj(obj(s.resources, SPEC, []).requests, SPEC, []);
  const oldSize = parseExactQuantity(requestsOf(before).storage);
  const newSize = parseExactQuantity(requestsOf(after).storage);
  if (bound && isObject(after.resources) && isObject(after.resources.requests)) {
    after.resources = { ...after.resources, requests: { ...after.resources.requests, storage: requestsOf(before).storage } };
  }
  for (const s of [before, after]) {
    if (isObject(s.resources) && s.resources.requests === undefined) delete s.resources.requests;
  }
  if (!deepEqual(before, after)) {
    errs.push(forbidden(SPEC, `spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n${describeDifferences(before, after).join('\n')}`));
  }
  if (oldSize && newSize && compareQuantities(newSize, oldSize) < 0) errs.push(forbidden(SPEC.child('resources', 'requests', 'storage'), 'field can not be less than previous value'));
}
