import type { ObjectMeta } from '../types.js';
import { dns1123LabelErrors, labelValueErrors, qualifiedNameErrors, validateObjectName } from '../names.js';
import { FieldPath, forbidden, IMMUTABLE, invalid, invalidEach, NEGATIVE, required, tooLong, type FieldErrors } from './fieldErrors.js';
import { deepEqual } from '../deepEqual.js';
import { arr, int, isObject, obj, str, stringMap } from './values.js';

const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;
/** Finalizers without a domain prefix that Kubernetes itself understands. */
const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);

export function validateLabels(labels: unknown, path: FieldPath, errs: FieldErrors): void {
  for (const [k, v] of Object.entries(stringMap(labels, path, errs))) {
    errs.push(...invalidEach(path, k, qualifiedNameErrors(k)));
    errs.push(...invalidEach(path, v, labelValueErrors(v)));
  }
}

export function validateAnnotations(annotations: unknown, path: FieldPath, errs: FieldErrors): void {
  const m = stringMap(annotations, path, errs);
  let size = 0;
  for (const [k, v] of Object.entries(m)) {
    // Annotation keys are qualified names in which case does not matter.
    errs.push(...invalidEach(path, k, qualifiedNameErrors(k.toLowerCase())));
    size += Buffer.byteLength(k) + Buffer.byteLength(v);
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
}

export function validateFinalizerName(name: string, path: FieldPath, errs: FieldErrors, accepted: readonly string[] = []): void {
  const problems = qualifiedNameErrors(name);
  errs.push(...invalidEach(path, name, problems));
  if (problems.length === 0 && !name.includes('/') && !STANDARD_FINALIZERS.has(name) && !accepted.includes(name)) {
    errs.push(invalid(path, name, 'name is neither a standard finalizer name nor is it fully qualified'));
  }
}

function validateOwnerReferences(refs: unknown, path: FieldPath, errs: FieldErrors): void {
  let firstController = '';
  arr(refs, path, errs).forEach((raw, i) => {
    const ref = obj(raw, path.index(i), errs);
    const apiVersion = str(ref.apiVersion, path.child('apiVersion'), errs);
    const version = apiVersion.includes('/') ? apiVersion.split('/')[1] : apiVersion;
    if (!version) errs.push(invalid(path.child('apiVersion'), apiVersion, 'version must not be empty'));
    for (const f of ['kind', 'name', 'uid'] as const) {
      const v = str(ref[f], path.child(f), errs);
      if (!v) errs.push(invalid(path.child(f), v, 'must not be empty'));
    }
    if (apiVersion === 'v1' && ref.kind === 'Event') errs.push(invalid(path, ref, '/v1, Kind=Event is disallowed from being an owner'));
    if (ref.controller === true) {
      const current = `${String(ref.kind)}/${String(ref.name)}`;
      if (firstController) {
        errs.push(invalid(path, refs, `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`));
      } else {
        firstController = current;
      }
    }
  });
}

/**
 * Kubernetes' ValidateObjectMeta: the name (by the kind's rule), namespace presence, labels,
 * annotations, finalizers and owner references.
 */
export function validateObjectMeta(metadata: unknown, kind: string, namespaced: boolean, errs: FieldErrors, path = FieldPath.root('metadata'), acceptedFinalizers: readonly string[] = []): void {
  const meta = obj(metadata, path, errs) as ObjectMeta;
  const generateName = str(meta.generateName, path.child('generateName'), errs);
  if (generateName) errs.push(...invalidEach(path.child('generateName'), generateName, validateObjectName(kind, generateName, true)));
  const name = str(meta.name, path.child('name'), errs);
  if (!name) errs.push(required(path.child('name'), 'name or generateName is required'));
  else errs.push(...invalidEach(path.child('name'), name, validateObjectName(kind, name)));

  const namespace = str(meta.namespace, path.child('namespace'), errs);
  if (namespaced) {
    if (!namespace) errs.push(required(path.child('namespace')));
    else errs.push(...invalidEach(path.child('namespace'), namespace, dns1123LabelErrors(namespace)));
  } else if (namespace) {
    errs.push(forbidden(path.child('namespace'), 'not allowed on this type'));
  }

  const generation = int(meta.generation, path.child('generation'), errs);
  if (generation !== undefined && generation < 0) errs.push(invalid(path.child('generation'), generation, NEGATIVE));
  validateLabels(meta.labels, path.child('labels'), errs);
  validateAnnotations(meta.annotations, path.child('annotations'), errs);
  validateOwnerReferences(meta.ownerReferences, path.child('ownerReferences'), errs);

  const finalizers = arr(meta.finalizers, path.child('finalizers'), errs);
  finalizers.forEach((f, i) => validateFinalizerName(str(f, path.child('finalizers').index(i), errs), path.child('finalizers').index(i), errs, acceptedFinalizers));
  if (finalizers.includes('orphan') && finalizers.includes('foregroundDeletion')) {
    errs.push(invalid(path.child('finalizers'), finalizers, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
}

/** Kubernetes' ValidateObjectMetaUpdate: identity never changes, a deleting object gains no finalizers. */
export function validateObjectMetaUpdate(next: unknown, prev: unknown, errs: FieldErrors, path = FieldPath.root('metadata')): void {
  const n = isObject(next) ? (next as ObjectMeta) : ({} as ObjectMeta);
  const o = isObject(prev) ? (prev as ObjectMeta) : ({} as ObjectMeta);
  for (const f of ['name', 'namespace', 'uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds'] as const) {
    // A field the request left out is carried over by the API server; only a different value is a change.
    if (n[f] !== undefined && o[f] !== undefined && !deepEqual(n[f], o[f])) errs.push(invalid(path.child(f), n[f], IMMUTABLE));
  }
  if (o.deletionTimestamp) {
    const before = new Set(o.finalizers ?? []);
    const added = (n.finalizers ?? []).filter((f) => !before.has(f));
    if (added.length) {
      errs.push(forbidden(path.child('finalizers'), `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`));
    }
  }
  if (typeof n.generation === 'number' && typeof o.generation === 'number' && n.generation < o.generation) {
    errs.push(invalid(path.child('generation'), n.generation, 'must not be decremented'));
  }
}
