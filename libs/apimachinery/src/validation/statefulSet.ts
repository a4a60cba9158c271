import { deepEqual } from '../deepEqual.js';
import { dns1035LabelErrors, dns1123LabelErrors, percentErrors } from '../names.js';
import type { KubeObject } from '../types.js';
import { duplicate, FieldPath, forbidden, IMMUTABLE, invalid, invalidEach, NEGATIVE, notSupported, required, type FieldErrors } from './fieldErrors.js';
import { validateAnnotations, validateLabels } from './objectMeta.js';
import { validateSelectorAndTemplate } from './apps.js';
import { parseResourceQuantity } from './resourceQuantity.js';
import { arr, int, isObject, obj, str, type Json } from './values.js';

/**
 * Kubernetes' apps/v1 validation for StatefulSets and ControllerRevisions
 * (pkg/apis/apps/validation: ValidateStatefulSetSpec, ValidateStatefulSetUpdate,
 * ValidateStatefulSetStatus, ValidateControllerRevision).
 */

const RETENTION_TYPES = ['Delete', 'Retain'];
const ACCESS_MODES = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];

function nonNegative(raw: unknown, path: FieldPath, errs: FieldErrors): number | undefined {
  const v = int(raw, path, errs);
  if (v !== undefined && v < 0) errs.push(invalid(path, v, NEGATIVE));
  return v;
}

export function validateStatefulSet(set: KubeObject, errs: FieldErrors): void {
  const specPath = FieldPath.root('spec');
  const spec = obj(set.spec, specPath, errs);

  const policy = spec.podManagementPolicy;
  if (policy === undefined || policy === null || policy === '') errs.push(required(specPath.child('podManagementPolicy')));
  else if (policy !== 'OrderedReady' && policy !== 'Parallel') errs.push(invalid(specPath.child('podManagementPolicy'), policy, "must be 'OrderedReady' or 'Parallel'"));

  validateUpdateStrategy(spec.updateStrategy, specPath.child('updateStrategy'), errs);
  validateRetentionPolicy(spec.persistentVolumeClaimRetentionPolicy, specPath.child('persistentVolumeClaimRetentionPolicy'), errs);

  nonNegative(spec.replicas, specPath.child('replicas'), errs);
  nonNegative(spec.minReadySeconds, specPath.child('minReadySeconds'), errs);
  nonNegative(spec.revisionHistoryLimit, specPath.child('revisionHistoryLimit'), errs);
  if (spec.ordinals !== undefined && spec.ordinals !== null) nonNegative(obj(spec.ordinals, specPath.child('ordinals'), errs).start, specPath.child('ordinals', 'start'), errs);

  if (typeof spec.serviceName === 'string' && spec.serviceName !== '') errs.push(...invalidEach(specPath.child('serviceName'), spec.serviceName, dns1035LabelErrors(spec.serviceName)));
  else if (spec.serviceName !== undefined && spec.serviceName !== null && spec.serviceName !== '') str(spec.serviceName, specPath.child('serviceName'), errs);

  const claimNames = validateClaimTemplates(spec.volumeClaimTemplates, specPath.child('volumeClaimTemplates'), errs);
  validateSelectorAndTemplate(spec, specPath, errs, {
    emptySelector: 'empty selector is not valid for statefulset.',
    activeDeadline: (path, value) => invalid(path, value, 'must not be specified'),
    podSpecOf: (templateSpec) => withClaimVolumes(templateSpec, claimNames),
  });
  validateStatefulSetStatus(set.status, errs);
}

/**
 * The template's pod spec as its pods will have it: each claim template is a volume of that name
 * (so volumeMounts may name it), as the controller's updateStorage does.
 */
function withClaimVolumes(spec: unknown, claimNames: readonly string[]): unknown {
  if (!isObject(spec) || claimNames.length === 0) return spec;
  const volumes = Array.isArray(spec.volumes) ? [...spec.volumes] : [];
  const named = new Set(volumes.map((v) => (isObject(v) ? v.name : undefined)));
  for (const name of claimNames) if (!named.has(name)) volumes.push({ name, persistentVolumeClaim: { claimName: name } });
  return { ...spec, volumes };
}

function validateUpdateStrategy(raw: unknown, path: FieldPath, errs: FieldErrors): void {
  const strategy = obj(raw, path, errs);
  switch (strategy.type) {
    case undefined:
    case null:
    case '':
      errs.push(required(path));
      break;
    case 'OnDelete':
      if (strategy.rollingUpdate !== undefined && strategy.rollingUpdate !== null) {
        errs.push(invalid(path.child('rollingUpdate'), strategy.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'"));
      }
      break;
    case 'RollingUpdate': {
      if (strategy.rollingUpdate === undefined || strategy.rollingUpdate === null) break;
      const ruPath = path.child('rollingUpdate');
      const ru = obj(strategy.rollingUpdate, ruPath, errs);
      nonNegative(ru.partition, ruPath.child('partition'), errs);
      validateMaxUnavailable(ru.maxUnavailable, ruPath.child('maxUnavailable'), errs);
      break;
    }
    default:
      errs.push(invalid(path, strategy, "must be 'RollingUpdate' or 'OnDelete'"));
  }
}

/** maxUnavailable: an integer above 0 or a percentage up to 100%. */
function validateMaxUnavailable(raw: unknown, path: FieldPath, errs: FieldErrors): void {
  if (raw === undefined || raw === null) return;
  if (typeof raw === 'number') {
    if (!Number.isInteger(raw)) errs.push(invalid(path, raw, "must be an integer or percentage (e.g '5%')"));
    else if (raw < 0) errs.push(invalid(path, raw, NEGATIVE));
    else if (raw === 0) errs.push(invalid(path, raw, 'must be greater than 0'));
    return;
  }
  if (typeof raw !== 'string') {
    errs.push(invalid(path, raw, "must be an integer or percentage (e.g '5%')"));
    return;
  }
  const problems = percentErrors(raw);
  errs.push(...invalidEach(path, raw, problems));
  if (problems.length) return;
  const pct = Number.parseInt(raw.slice(0, -1), 10);
  if (pct === 0) errs.push(invalid(path, raw, 'must be greater than 0'));
  if (pct > 100) errs.push(invalid(path, raw, 'must not be greater than 100%'));
}

function validateRetentionPolicy(raw: unknown, path: FieldPath, errs: FieldErrors): void {
  if (raw === undefined || raw === null) return;
  const policy = obj(raw, path, errs);
  for (const field of ['whenDeleted', 'whenScaled']) {
    const v = policy[field];
    if (v !== undefined && v !== null && !RETENTION_TYPES.includes(v as string)) errs.push(notSupported(path.child(field), v, RETENTION_TYPES));
  }
}

/**
 * Each claim template is a PersistentVolumeClaim without a namespace: a DNS label name (it becomes
 * a volume name), unique, with access modes and a storage request. Returns the valid names.
 */
function validateClaimTemplates(raw: unknown, path: FieldPath, errs: FieldErrors): string[] {
  const names: string[] = [];
  arr(raw, path, errs).forEach((item, i) => {
    const p = path.index(i);
    const claim = obj(item, p, errs);
    const meta = obj(claim.metadata, p.child('metadata'), errs);
    const namePath = p.child('metadata', 'name');
    const name = meta.name;
    if (name === undefined || name === null || name === '') errs.push(required(namePath, 'name or generateName is required'));
    else if (typeof name !== 'string') str(name, namePath, errs);
    else {
      const problems = dns1123LabelErrors(name);
      errs.push(...invalidEach(namePath, name, problems));
      if (names.includes(name)) errs.push(duplicate(namePath, name));
      else if (!problems.length) names.push(name);
    }
    validateLabels(meta.labels, p.child('metadata', 'labels'), errs);
    validateAnnotations(meta.annotations, p.child('metadata', 'annotations'), errs);
    validateClaimSpec(claim.spec, p.child('spec'), errs);
  });
  return names;
}

function validateClaimSpec(raw: unknown, path: FieldPath, errs: FieldErrors): void {
  const spec: Json = obj(raw, path, errs);
  const modes = arr(spec.accessModes, path.child('accessModes'), errs);
  if (modes.length === 0) errs.push(required(path.child('accessModes'), 'at least 1 access mode is required'));
  for (const m of modes) if (!ACCESS_MODES.includes(m as string)) errs.push(notSupported(path.child('accessModes'), m, ACCESS_MODES));
  const resources = obj(spec.resources, path.child('resources'), errs);
  const requests = obj(resources.requests, path.child('resources', 'requests'), errs);
  const storagePath = path.child('resources').key('storage');
  if (requests.storage === undefined || requests.storage === null) {
    errs.push(required(storagePath));
    return;
  }
  const q = parseResourceQuantity(requests.storage);
  if (!q.ok) errs.push(invalid(storagePath, requests.storage, q.message));
  else if (q.value <= 0) errs.push(invalid(storagePath, requests.storage, 'must be greater than zero'));
}

export function validateStatefulSetStatus(status: unknown, errs: FieldErrors): void {
  if (status === undefined || status === null) return;
  const path = FieldPath.root('status');
  const s = obj(status, path, errs);
  for (const f of ['replicas', 'readyReplicas', 'currentReplicas', 'updatedReplicas', 'availableReplicas', 'observedGeneration', 'collisionCount']) nonNegative(s[f], path.child(f), errs);
  const n = (f: string) => (typeof s[f] === 'number' ? (s[f] as number) : 0);
  for (const f of ['readyReplicas', 'currentReplicas', 'updatedReplicas']) {
    if (n(f) > n('replicas')) errs.push(invalid(path.child(f), n(f), 'cannot be greater than status.replicas'));
  }
  if (n('availableReplicas') > n('readyReplicas')) errs.push(invalid(path.child('availableReplicas'), n('availableReplicas'), 'cannot be greater than status.readyReplicas'));
}

/** Fields an update may change; every other part of the spec is fixed at creation. */
const MUTABLE_SPEC_FIELDS = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'];

/**
 * ValidateStatefulSetUpdate and ValidateStatefulSetStatusUpdate: only the mutable spec fields
 * change (a status write keeps the spec as stored, so only the second rule can bite there), and
 * the collision count only grows.
 */
export function validateStatefulSetUpdate(next: KubeObject, prev: KubeObject, errs: FieldErrors): void {
  validateCollisionCount(next, prev, errs);
  const strip = (spec: unknown) => {
    const out: Json = { ...(isObject(spec) ? spec : {}) };
    for (const f of MUTABLE_SPEC_FIELDS) delete out[f];
    return out;
  };
  if (!deepEqual(strip(next.spec), strip(prev.spec))) {
    errs.push(forbidden(FieldPath.root('spec'), "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
  }
}

function validateCollisionCount(next: KubeObject, prev: KubeObject, errs: FieldErrors): void {
  const count = (o: KubeObject) => (isObject(o.status) && typeof o.status.collisionCount === 'number' ? o.status.collisionCount : undefined);
  const n = count(next);
  const p = count(prev);
  if (p !== undefined && (n === undefined || n < p)) errs.push(invalid(FieldPath.root('status', 'collisionCount'), n ?? 0, 'cannot be decremented'));
}

export function validateControllerRevision(rev: KubeObject, errs: FieldErrors): void {
  if (rev.data === undefined || rev.data === null) errs.push(required(FieldPath.root('data'), 'data is mandatory'));
  nonNegative(rev.revision, FieldPath.root('revision'), errs);
}

/** A revision's data never changes; its number may (a rollback moves it to the top). */
export function validateControllerRevisionUpdate(next: KubeObject, prev: KubeObject, errs: FieldErrors): void {
  if (!deepEqual(next.data, prev.data)) errs.push(invalid(FieldPath.root('data'), next.data ?? null, IMMUTABLE));
}
