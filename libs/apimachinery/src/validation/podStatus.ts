import { FieldPath, invalid, notSupported, required, type FieldErrors } from './fieldErrors.js';
import { boundedText, ipAddress, MAX_STATUS_MESSAGE_BYTES, MAX_STATUS_NAME_BYTES, MAX_STATUS_REASON_BYTES, timestamp, validateStatusCondition } from './statusFields.js';
import { arr, bool, int, obj, str } from './values.js';

/**
 * A Pod's status as its node writes it: every field the type declares, of its type, with the
 * phase and condition statuses from Kubernetes' enums, IPs that parse, and the free-text fields
 * (reason, message) capped at metav1.Condition's limits. Kubernetes checks little of a status
 * beyond IPs; Skiff checks shapes and sizes too, because a node token writes it and every client
 * (kubectl, the status page) reads it.
 */

const PHASES = ['Failed', 'Pending', 'Running', 'Succeeded', 'Unknown'];

export function validatePodStatus(status: unknown, errs: FieldErrors): void {
  if (status === undefined || status === null) return;
  const path = FieldPath.root('status');
  const s = obj(status, path, errs);
  const phase = str(s.phase, path.child('phase'), errs);
  if (phase && !PHASES.includes(phase)) errs.push(notSupported(path.child('phase'), phase, PHASES));
  boundedText(s.reason, path.child('reason'), MAX_STATUS_REASON_BYTES, errs);
  boundedText(s.message, path.child('message'), MAX_STATUS_MESSAGE_BYTES, errs);
  for (const field of ['nominatedNodeName', 'qosClass', 'startTime', 'resize'] as const) boundedText(s[field], path.child(field), MAX_STATUS_NAME_BYTES, errs);
  arr(s.conditions, path.child('conditions'), errs).forEach((c, i) => validateStatusCondition(c, path.child('conditions').index(i), errs));
  ipAddress(s.podIP, path.child('podIP'), errs);
  ipAddress(s.hostIP, path.child('hostIP'), errs);
  for (const field of ['podIPs', 'hostIPs'] as const) {
    arr(s[field], path.child(field), errs).forEach((entry, i) => ipAddress(obj(entry, path.child(field).index(i), errs).ip, path.child(field).index(i).child('ip'), errs));
  }
  for (const field of ['initContainerStatuses', 'containerStatuses', 'ephemeralContainerStatuses'] as const) {
    arr(s[field], path.child(field), errs).forEach((c, i) => validateContainerStatus(c, path.child(field).index(i), errs));
  }
}

function validateContainerStatus(raw: unknown, path: FieldPath, errs: FieldErrors): void {
  const c = obj(raw, path, errs);
  const name = str(c.name, path.child('name'), errs);
  if (!name) errs.push(required(path.child('name')));
  boundedText(c.name, path.child('name'), MAX_STATUS_NAME_BYTES, errs);
  for (const field of ['image', 'imageID', 'containerID'] as const) boundedText(c[field], path.child(field), MAX_STATUS_NAME_BYTES, errs);
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
    boundedText(w.reason, path.child('waiting', 'reason'), MAX_STATUS_REASON_BYTES, errs);
    boundedText(w.message, path.child('waiting', 'message'), MAX_STATUS_MESSAGE_BYTES, errs);
  }
  if (state.running !== undefined && state.running !== null) timestamp(obj(state.running, path.child('running'), errs).startedAt, path.child('running', 'startedAt'), errs);
  if (state.terminated !== undefined && state.terminated !== null) {
    const t = obj(state.terminated, path.child('terminated'), errs);
    const tp = path.child('terminated');
    int(t.exitCode, tp.child('exitCode'), errs);
    int(t.signal, tp.child('signal'), errs);
    boundedText(t.reason, tp.child('reason'), MAX_STATUS_REASON_BYTES, errs);
    boundedText(t.message, tp.child('message'), MAX_STATUS_MESSAGE_BYTES, errs);
    boundedText(t.containerID, tp.child('containerID'), MAX_STATUS_NAME_BYTES, errs);
    for (const field of ['startedAt', 'finishedAt'] as const) timestamp(t[field], tp.child(field), errs);
  }
}
