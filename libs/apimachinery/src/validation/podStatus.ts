import { qualifiedNameErrors } from '../names.js';
import { FieldPath, invalid, invalidEach, notSupported, required, tooLong, typeInvalid, type FieldErrors } from './fieldErrors.js';
import { isIPv4, isIPv6 } from './service.js';
import { arr, bool, int, obj, str } from './values.js';

/**
 * A Pod's status as its node writes it: every field the type declares, of its type, with the
 * phase and condition statuses from Kubernetes' enums, IPs that parse, and the free-text fields
 * (reason, message) capped at metav1.Condition's limits. Kubernetes checks little of a status
 * beyond IPs; Skiff checks shapes and sizes too, because a node token writes it and every client
 * (kubectl, the status page) reads it.
 */

const PHASES = ['Failed', 'Pending', 'Running', 'Succeeded', 'Unknown'];
const CONDITION_STATUSES = ['False', 'True', 'Unknown'];
/** metav1.Condition's caps: reason 1024 bytes, message 32768. */
export const MAX_STATUS_REASON_BYTES = 1024;
export const MAX_STATUS_MESSAGE_BYTES = 32768;
/** Container ids, image refs and names: generous, but bounded. */
const MAX_STATUS_NAME_BYTES = 4096;

export function validatePodStatus(status: unknown, errs: FieldErrors): void {
  if (status === undefined || status === null) return;
  const path = FieldPath.root('status');
  const s = obj(status, path, errs);
  const phase = str(s.phase, path.child('phase'), errs);
  if (phase && !PHASES.includes(phase)) errs.push(notSupported(path.child('phase'), phase, PHASES));
  text(s.reason, path.child('reason'), MAX_STATUS_REASON_BYTES, errs);
  text(s.message, path.child('message'), MAX_STATUS_MESSAGE_BYTES, errs);
  for (const field of ['nominatedNodeName', 'qosClass', 'startTime', 'resize'] as const) text(s[field], path.child(field), MAX_STATUS_NAME_BYTES, errs);
  arr(s.conditions, path.child('conditions'), errs).forEach((c, i) => validateCondition(c, path.child('conditions').index(i), errs));
  ip(s.podIP, path.child('podIP'), errs);
  ip(s.hostIP, path.child('hostIP'), errs);
  for (const field of ['podIPs', 'hostIPs'] as const) {
    arr(s[field], path.child(field), errs).forEach((entry, i) => ip(obj(entry, path.child(field).index(i), errs).ip, path.child(field).index(i).child('ip'), errs));
  }
  for (const field of ['initContainerStatuses', 'containerStatuses', 'ephemeralContainerStatuses'] as const) {
    arr(s[field], path.child(field), errs).forEach((c, i) => validateContainerStatus(c, path.child(field).index(i), errs));
  }
}

function validateCondition(raw: unknown, path: FieldPath, errs: FieldErrors): void {
  const c = obj(raw, path, errs);
  const type = str(c.type, path.child('type'), errs);
  if (!type) errs.push(required(path.child('type')));
  else errs.push(...invalidEach(path.child('type'), type, qualifiedNameErrors(type)));
  const status = str(c.status, path.child('status'), errs);
  if (!CONDITION_STATUSES.includes(status)) errs.push(notSupported(path.child('status'), status, CONDITION_STATUSES));
  text(c.reason, path.child('reason'), MAX_STATUS_REASON_BYTES, errs);
  text(c.message, path.child('message'), MAX_STATUS_MESSAGE_BYTES, errs);
  for (const field of ['lastProbeTime', 'lastTransitionTime'] as const) timestamp(c[field], path.child(field), errs);
  int(c.observedGeneration, path.child('observedGeneration'), errs);
}

function validateContainerStatus(raw: unknown, path: FieldPath, errs: FieldErrors): void {
  const c = obj(raw, path, errs);
  const name = str(c.name, path.child('name'), errs);
  if (!name) errs.push(required(path.child('name')));
  text(c.name, path.child('name'), MAX_STATUS_NAME_BYTES, errs);
  for (const field of ['image', 'imageID', 'containerID'] as const) text(c[field], path.child(field), MAX_STATUS_NAME_BYTES, errs);
  bool(c.ready, path.child('ready'), errs);
  bool(c.started, path.child('started'), errs);
  const restarts = int(c.restartCount, path.child('restartCount'), errs);
  if (restarts !== undefined && restarts < 0) errs.push(invalid(path.child('restartCount'), restarts, 'must be greater than or equal to 0'));
  validateContainerState(c.state, path.child('state'), errs);
  validateContainerState(c.lastState, path.child('lastState'), errs);
}

/** At most one of waiting, running, terminated, as Kubernetes' ContainerState documents. */
function validateContainerState(raw: unknown, path: FieldPath, errs: FieldErrors): void {
  if (raw === undefined || raw === null) return;
  const state = obj(raw, path, errs);
  const set = (['waiting', 'running', 'terminated'] as const).filter((k) => state[k] !== undefined && state[k] !== null);
  if (set.length > 1) errs.push(invalid(path, set.join(', '), 'may not specify more than 1 state'));
  if (state.waiting !== undefined && state.waiting !== null) {
    const w = obj(state.waiting, path.child('waiting'), errs);
    text(w.reason, path.child('waiting', 'reason'), MAX_STATUS_REASON_BYTES, errs);
    text(w.message, path.child('waiting', 'message'), MAX_STATUS_MESSAGE_BYTES, errs);
  }
  if (state.running !== undefined && state.running !== null) timestamp(obj(state.running, path.child('running'), errs).startedAt, path.child('running', 'startedAt'), errs);
  if (state.terminated !== undefined && state.terminated !== null) {
    const t = obj(state.terminated, path.child('terminated'), errs);
    const tp = path.child('terminated');
    int(t.exitCode, tp.child('exitCode'), errs);
    int(t.signal, tp.child('signal'), errs);
    text(t.reason, tp.child('reason'), MAX_STATUS_REASON_BYTES, errs);
    text(t.message, tp.child('message'), MAX_STATUS_MESSAGE_BYTES, errs);
    text(t.containerID, tp.child('containerID'), MAX_STATUS_NAME_BYTES, errs);
    for (const field of ['startedAt', 'finishedAt'] as const) timestamp(t[field], tp.child(field), errs);
  }
}

function text(v: unknown, path: FieldPath, maxBytes: number, errs: FieldErrors): void {
  const value = str(v, path, errs);
  if (Buffer.byteLength(value) > maxBytes) errs.push(tooLong(path, maxBytes));
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function timestamp(v: unknown, path: FieldPath, errs: FieldErrors): void {
  if (v === undefined || v === null) return;
  if (typeof v !== 'string' || !RFC3339.test(v)) errs.push(typeInvalid(path, v, 'RFC 3339 date and time'));
}

function ip(v: unknown, path: FieldPath, errs: FieldErrors): void {
  const value = str(v, path, errs);
  if (value && !isIPv4(value) && !isIPv6(value)) errs.push(invalid(path, value, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
}
