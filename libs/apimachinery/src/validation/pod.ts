import type { KubeObject } from '../types.js';
import { inclusiveRangeError } from '../names.js';
import { duplicate, FieldPath, forbidden, invalid, notFound, required, type FieldErrors } from './fieldErrors.js';
import { validatePodSpec, validateTolerations } from './podSpec.js';
import { validatePodStatus } from './podStatus.js';
import { deepEqual } from '../deepEqual.js';
import { describeDifferences, isObject, type Json } from './values.js';

export function validatePod(pod: KubeObject, errs: FieldErrors): void {
  validatePodSpec(pod.spec, FieldPath.root('spec'), errs, { isPod: true });
  validatePodStatus(pod.status, errs);
}

/** What Kubernetes lets a user change in a running Pod's spec, in its own words. */
export const UPDATABLE_POD_SPEC_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

function specOf(o: KubeObject): Json {
  return isObject(o.spec) ? o.spec : {};
}

function containersOf(spec: Json, field: 'containers' | 'initContainers'): Json[] {
  return Array.isArray(spec[field]) ? (spec[field] as unknown[]).map((c) => (isObject(c) ? c : {})) : [];
}

/**
 * Kubernetes' ValidatePodUpdate: a Pod is a record of what was started, so its spec is fixed
 * except for images, a shrinking deadline, added tolerations and removed scheduling gates. The
 * check blanks the updatable fields on both sides and compares what is left.
 */
export function validatePodUpdate(next: KubeObject, prev: KubeObject, errs: FieldErrors): void {
  const specPath = FieldPath.root('spec');
  const n = specOf(next);
  const o = specOf(prev);

  for (const field of ['containers', 'initContainers'] as const) {
    const nc = containersOf(n, field);
    const oc = containersOf(o, field);
    if (nc.length !== oc.length) {
      errs.push(forbidden(specPath.child(field), 'pod updates may not add or remove containers'));
      return;
    }
    nc.forEach((c, i) => {
      if (typeof c.image !== 'string' || c.image === '') errs.push(required(specPath.child(field).index(i).child('image')));
    });
  }

  // activeDeadlineSeconds may be set, or lowered, never raised or removed.
  const newDeadline = n.activeDeadlineSeconds;
  const oldDeadline = o.activeDeadlineSeconds;
  if (typeof newDeadline === 'number') {
    if (newDeadline < 0 || newDeadline > 2 ** 31 - 1) {
      errs.push(invalid(specPath.child('activeDeadlineSeconds'), newDeadline, inclusiveRangeError(0, 2 ** 31 - 1)));
      return;
    }
    if (typeof oldDeadline === 'number' && oldDeadline < newDeadline) {
      errs.push(invalid(specPath.child('activeDeadlineSeconds'), newDeadline, 'must be less than or equal to previous value'));
      return;
    }
  } else if (oldDeadline !== undefined && oldDeadline !== null) {
    errs.push(invalid(specPath.child('activeDeadlineSeconds'), null, 'must not update from a positive integer to nil value'));
  }

  validateOnlyAddedTolerations(n.tolerations, o.tolerations, specPath.child('tolerations'), errs);
  validateOnlyDeletedSchedulingGates(n.schedulingGates, o.schedulingGates, specPath.child('schedulingGates'), errs);

  if (deepEqual(n, o)) return;
  const munged: Json = { ...n };
  for (const field of ['containers', 'initContainers'] as const) {
    if (!Array.isArray(n[field])) continue;
    const old = containersOf(o, field);
    munged[field] = containersOf(n, field).map((c, i) => ({ ...c, image: old[i]?.image }));
  }
  // Ephemeral containers change only through pods/ephemeralcontainers, checked on their own.
  munged.ephemeralContainers = o.ephemeralContainers;
  if (!deepEqual(n.ephemeralContainers ?? [], o.ephemeralContainers ?? [])) validateEphemeralContainersUpdate(n, o, specPath.child('ephemeralContainers'), errs);
  munged.activeDeadlineSeconds = o.activeDeadlineSeconds;
  munged.tolerations = o.tolerations;
  munged.schedulingGates = o.schedulingGates;
  const oldGrace = o.terminationGracePeriodSeconds;
  if (typeof oldGrace === 'number' && oldGrace < 0 && munged.terminationGracePeriodSeconds === 1) munged.terminationGracePeriodSeconds = oldGrace;
  if (!deepEqual(munged, o)) {
    const diff = describeDifferences(o, munged).map((line) => `  ${line}`);
    errs.push(forbidden(specPath, `pod updates may not change fields other than ${UPDATABLE_POD_SPEC_FIELDS.join(',')}\n${diff.join('\n')}`));
  }
}

/** Fields a debugging container may not have: it never restarts, serves or gets resources. */
const EPHEMERAL_FORBIDDEN = ['ports', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'resizePolicy', 'restartPolicy'];

/**
 * Kubernetes' ValidatePodEphemeralContainersUpdate: ephemeral containers (`kubectl debug`) are
 * only ever added; one that exists may be neither changed nor removed.
 */
function validateEphemeralContainersUpdate(n: Json, o: Json, path: FieldPath, errs: FieldErrors): void {
  const list = (spec: Json): Json[] => (Array.isArray(spec.ephemeralContainers) ? spec.ephemeralContainers.map((c) => (isObject(c) ? c : {})) : []);
  const next = list(n);
  for (const old of list(o)) {
    const now = next.find((c) => c.name === old.name);
    if (!now) errs.push(forbidden(path, `existing ephemeral containers "${String(old.name)}" may not be removed`));
    else if (!deepEqual(now, old)) errs.push(forbidden(path, `existing ephemeral containers "${String(old.name)}" may not be changed`));
  }
  const regular = [...containersOf(n, 'containers'), ...containersOf(n, 'initContainers')].map((c) => c.name);
  const seen = new Set<unknown>(regular);
  next.forEach((c, i) => {
    const p = path.index(i);
    if (typeof c.name !== 'string' || c.name === '') errs.push(required(p.child('name')));
    else if (seen.has(c.name) && !list(o).some((x) => x.name === c.name)) errs.push(duplicate(p.child('name'), c.name));
    seen.add(c.name);
    if (typeof c.image !== 'string' || c.image === '') errs.push(required(p.child('image')));
    for (const f of EPHEMERAL_FORBIDDEN) if (c[f] !== undefined && c[f] !== null) errs.push(forbidden(p.child(f), 'cannot be set for an Ephemeral Container'));
    const res = isObject(c.resources) ? c.resources : {};
    if (Object.values(res).some((v) => isObject(v) && Object.keys(v).length > 0)) errs.push(forbidden(p.child('resources'), 'cannot be set for an Ephemeral Container'));
    if (c.targetContainerName !== undefined && !regular.includes(c.targetContainerName)) {
      errs.push(notFound(p.child('targetContainerName'), c.targetContainerName));
    }
  });
}

function validateOnlyAddedTolerations(next: unknown, prev: unknown, path: FieldPath, errs: FieldErrors): void {
  const nt = Array.isArray(next) ? next : [];
  for (const old of Array.isArray(prev) ? prev : []) {
    // tolerationSeconds of an existing toleration may change (the node lifecycle controller does it).
    const found = nt.some((t) => isObject(t) && isObject(old) && deepEqual({ ...old, tolerationSeconds: t.tolerationSeconds }, t));
    if (!found) {
      errs.push(forbidden(path, 'existing toleration can not be modified except its tolerationSeconds'));
      return;
    }
  }
  validateTolerations(next, path, errs);
}

function validateOnlyDeletedSchedulingGates(next: unknown, prev: unknown, path: FieldPath, errs: FieldErrors): void {
  const old = new Set((Array.isArray(prev) ? prev : []).map((g) => (isObject(g) ? g.name : undefined)));
  (Array.isArray(next) ? next : []).forEach((g, i) => {
    const name = isObject(g) ? g.name : undefined;
    if (!old.has(name)) errs.push(forbidden(path.index(i).child('name'), `only deletion is allowed, but found new scheduling gate '${String(name)}'`));
  });
}
