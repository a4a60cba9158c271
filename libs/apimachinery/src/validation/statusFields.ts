import { qualifiedNameErrors } from '../names.js';
import { FieldPath, invalid, invalidEach, notSupported, required, tooLong, typeInvalid, type FieldErrors } from './fieldErrors.js';
import { isIPv4, isIPv6 } from './service.js';
import { int, obj, str } from './values.js';

/**
 * Checks shared by the statuses nodes write (Pods, Nodes): free text capped at metav1.Condition's
 * limits, conditions of Kubernetes' shape, timestamps and IPs that parse.
 */

/** metav1.Condition's caps: reason 1024 bytes, message 32768. */
export const MAX_STATUS_REASON_BYTES = 1024;
export const MAX_STATUS_MESSAGE_BYTES = 32768;
/** Names, ids, image references and versions: generous, but bounded. */
export const MAX_STATUS_NAME_BYTES = 4096;

const CONDITION_STATUSES = ['False', 'True', 'Unknown'];
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/** A string (or nothing) of at most `maxBytes` UTF-8 bytes. */
export function boundedText(v: unknown, path: FieldPath, maxBytes: number, errs: FieldErrors): void {
  const value = str(v, path, errs);
  if (Buffer.byteLength(value) > maxBytes) errs.push(tooLong(path, maxBytes));
}

export function timestamp(v: unknown, path: FieldPath, errs: FieldErrors): void {
  if (v === undefined || v === null) return;
  if (typeof v !== 'string' || !RFC3339.test(v)) errs.push(typeInvalid(path, v, 'RFC 3339 date and time'));
}

export function ipAddress(v: unknown, path: FieldPath, errs: FieldErrors): void {
  const value = str(v, path, errs);
  if (value && !isIPv4(value) && !isIPv6(value)) errs.push(invalid(path, value, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
}

/** A Pod or Node condition: a qualified-name type, a True/False/Unknown status, bounded text, timestamps. */
export function validateStatusCondition(raw: unknown, path: FieldPath, errs: FieldErrors): void {
  const c = obj(raw, path, errs);
  const type = str(c.type, path.child('type'), errs);
  if (!type) errs.push(required(path.child('type')));
  else errs.push(...invalidEach(path.child('type'), type, qualifiedNameErrors(type)));
  const status = str(c.status, path.child('status'), errs);
  if (!CONDITION_STATUSES.includes(status)) errs.push(notSupported(path.child('status'), status, CONDITION_STATUSES));
  boundedText(c.reason, path.child('reason'), MAX_STATUS_REASON_BYTES, errs);
  boundedText(c.message, path.child('message'), MAX_STATUS_MESSAGE_BYTES, errs);
  for (const field of ['lastProbeTime', 'lastHeartbeatTime', 'lastTransitionTime'] as const) timestamp(c[field], path.child(field), errs);
  int(c.observedGeneration, path.child('observedGeneration'), errs);
}
