import { InvalidError, type StatusCause } from './errors.js';
import type { Kind } from './kinds/kind.js';
import type { KubeObject } from './types.js';
import { dedupe, type FieldErrors } from './validation/fieldErrors.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './validation/objectMeta.js';

export { NODE_PORT_RANGE } from './validation/service.js';

/**
 * Kubernetes' create and update validation for the kinds Skiff serves, reporting every problem
 * at once as field causes with Kubernetes' paths, reasons and messages. Objects are expected to
 * be defaulted first (`applyDefaults`), as the API server does; fields that defaulting fills are
 * checked only when present.
 */

export interface ValidateOptions {
  /**
   * The stored object this one replaces. Problems the stored object already had, unchanged,
   * are not reported again (Kubernetes' "ratcheting"), so a rule tightened later never blocks
   * writes such as status updates to objects stored before it.
   */
  old?: KubeObject;
}

function causesOf(obj: KubeObject, type: Kind): StatusCause[] {
  const errs: FieldErrors = [];
  validateObjectMeta(obj.metadata, type.kind, type.namespaced, errs, undefined, type.finalizerNames);
  type.validate?.(obj, errs);
  return dedupe(errs);
}

/** Every validation problem of `obj` as a `type`, empty when it is valid. Never throws. */
export function validationCauses(obj: KubeObject, type: Kind, opts: ValidateOptions = {}): StatusCause[] {
  const causes = causesOf(obj, type);
  if (!opts.old || causes.length === 0) return causes;
  const before = new Set(causesOf(opts.old, type).map(causeKey));
  return causes.filter((c) => !before.has(causeKey(c)));
}

function causeKey(c: StatusCause): string {
  return `${c.field ?? ''}\u0000${c.message}`;
}

/** The immutability problems of replacing `oldObj` by `newObj`, empty when the change is allowed. Never throws. */
export function updateCauses(newObj: KubeObject, oldObj: KubeObject, type: Kind): StatusCause[] {
  const errs: FieldErrors = [];
  validateObjectMetaUpdate(newObj.metadata, oldObj.metadata, errs);
  type.validateUpdate?.(newObj, oldObj, errs);
  return dedupe(errs);
}

function invalidError(obj: KubeObject, type: Kind, causes: StatusCause[]): InvalidError {
  const name = typeof obj.metadata?.name === 'string' ? obj.metadata.name : '';
  return new InvalidError({ kind: type.kind, name, ...(type.group ? { group: type.group } : {}) }, causes);
}

/** Throws `InvalidError` carrying every problem found; returns when `obj` is a valid `type`. */
export function validateObject(obj: KubeObject, type: Kind, opts: ValidateOptions = {}): void {
  const causes = validationCauses(obj, type, opts);
  if (causes.length) throw invalidError(obj, type, causes);
}

/**
 * Throws `InvalidError` when replacing `oldObj` by `newObj` changes what Kubernetes keeps fixed:
 * identity metadata, workload selectors, a Service's cluster IP, most of a Pod's spec, the data
 * of immutable ConfigMaps and Secrets. Pair it with `validateObject(newObj, type, { old })`.
 */
export function validateUpdate(newObj: KubeObject, oldObj: KubeObject, type: Kind): void {
  const causes = updateCauses(newObj, oldObj, type);
  if (causes.length) throw invalidError(newObj, type, causes);
}
