import { InvalidError, type StatusCause } from './errors.js';
import type { ResourceType } from './resources.js';
import type { KubeObject } from './types.js';
import { validateApplication } from './validation/application.js';
import { validateDeployment, validateReplicaSet, validateSelectorUpdate } from './validation/apps.js';
import { validateConfigMap, validateImmutableData } from './validation/configMap.js';
import { validateEndpoints } from './validation/endpoints.js';
import { validateEvent } from './validation/event.js';
import { dedupe, type FieldErrors } from './validation/fieldErrors.js';
import { validateLease } from './validation/lease.js';
import { validateLimitRange } from './validation/limitRange.js';
import { validateNamespace } from './validation/namespace.js';
import { validateNode, validateNodeUpdate } from './validation/node.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './validation/objectMeta.js';
import { validatePod, validatePodUpdate } from './validation/pod.js';
import { validateResourceQuota, validateResourceQuotaUpdate } from './validation/resourceQuota.js';
import { validateSecret, validateSecretUpdate } from './validation/secret.js';
import { validateService, validateServiceUpdate } from './validation/service.js';
import { validateWebhook } from './validation/webhook.js';

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

type KindValidator = (obj: KubeObject, errs: FieldErrors) => void;
type UpdateValidator = (next: KubeObject, prev: KubeObject, errs: FieldErrors) => void;

const VALIDATORS: Record<string, KindValidator> = {
  '/Namespace': validateNamespace,
  '/Node': validateNode,
  '/Pod': validatePod,
  '/Service': validateService,
  '/Endpoints': validateEndpoints,
  '/ConfigMap': validateConfigMap,
  '/Secret': validateSecret,
  '/Event': validateEvent,
  '/ResourceQuota': validateResourceQuota,
  '/LimitRange': validateLimitRange,
  'coordination.k8s.io/Lease': validateLease,
  'apps/Deployment': validateDeployment,
  'apps/ReplicaSet': validateReplicaSet,
  'skiff.dev/Application': validateApplication,
  'skiff.dev/Webhook': validateWebhook,
};

const UPDATE_VALIDATORS: Record<string, UpdateValidator> = {
  '/Pod': validatePodUpdate,
  '/Service': validateServiceUpdate,
  '/Node': validateNodeUpdate,
  '/Secret': validateSecretUpdate,
  '/ResourceQuota': validateResourceQuotaUpdate,
  '/ConfigMap': (next, prev, errs) => validateImmutableData(next, prev, ['data', 'binaryData'], errs),
  'apps/Deployment': validateSelectorUpdate,
  'apps/ReplicaSet': validateSelectorUpdate,
};

function kindKey(type: ResourceType): string {
  return `${type.group}/${type.kind}`;
}

function causesOf(obj: KubeObject, type: ResourceType): StatusCause[] {
  const errs: FieldErrors = [];
  validateObjectMeta(obj.metadata, type.kind, type.namespaced, errs);
  VALIDATORS[kindKey(type)]?.(obj, errs);
  return dedupe(errs);
}

/** Every validation problem of `obj` as a `type`, empty when it is valid. Never throws. */
export function validationCauses(obj: KubeObject, type: ResourceType, opts: ValidateOptions = {}): StatusCause[] {
  const causes = causesOf(obj, type);
  if (!opts.old || causes.length === 0) return causes;
  const before = new Set(causesOf(opts.old, type).map(causeKey));
  return causes.filter((c) => !before.has(causeKey(c)));
}

function causeKey(c: StatusCause): string {
  return `${c.field ?? ''}\u0000${c.message}`;
}

/** The immutability problems of replacing `oldObj` by `newObj`, empty when the change is allowed. Never throws. */
export function updateCauses(newObj: KubeObject, oldObj: KubeObject, type: ResourceType): StatusCause[] {
  const errs: FieldErrors = [];
  validateObjectMetaUpdate(newObj.metadata, oldObj.metadata, errs);
  UPDATE_VALIDATORS[kindKey(type)]?.(newObj, oldObj, errs);
  return dedupe(errs);
}

function invalidError(obj: KubeObject, type: ResourceType, causes: StatusCause[]): InvalidError {
  const name = typeof obj.metadata?.name === 'string' ? obj.metadata.name : '';
  return new InvalidError({ kind: type.kind, name, ...(type.group ? { group: type.group } : {}) }, causes);
}

/** Throws `InvalidError` carrying every problem found; returns when `obj` is a valid `type`. */
export function validateObject(obj: KubeObject, type: ResourceType, opts: ValidateOptions = {}): void {
  const causes = validationCauses(obj, type, opts);
  if (causes.length) throw invalidError(obj, type, causes);
}

/**
 * Throws `InvalidError` when replacing `oldObj` by `newObj` changes what Kubernetes keeps fixed:
 * identity metadata, workload selectors, a Service's cluster IP, most of a Pod's spec, the data
 * of immutable ConfigMaps and Secrets. Pair it with `validateObject(newObj, type, { old })`.
 */
export function validateUpdate(newObj: KubeObject, oldObj: KubeObject, type: ResourceType): void {
  const causes = updateCauses(newObj, oldObj, type);
  if (causes.length) throw invalidError(newObj, type, causes);
}
