import { deepEqual } from '../deepEqual.js';
import { qualifiedNameErrors } from '../names.js';
import type { KubeObject } from '../types.js';
import { FieldPath, forbidden, IMMUTABLE, invalid, invalidEach, notSupported, required, type FieldErrors } from './fieldErrors.js';
import { obj, str } from './values.js';

const RECLAIM_POLICIES = ['Delete', 'Retain'];
const BINDING_MODES = ['Immediate', 'WaitForFirstConsumer'];
/** Kubernetes caps a class's parameters at 512 entries, 256 KiB in all. */
const MAX_PARAMETERS = 512;
const MAX_PARAMETERS_BYTES = 256 * 1024;

/** Kubernetes' ValidateStorageClass (pkg/apis/storage/validation). */
export function validateStorageClass(sc: KubeObject, errs: FieldErrors): void {
  const provisionerPath = FieldPath.root('provisioner');
  const provisioner = str(sc.provisioner, provisionerPath, errs);
  if (!provisioner) errs.push(required(provisionerPath));
  else errs.push(...invalidEach(provisionerPath, provisioner, qualifiedNameErrors(provisioner.toLowerCase())));

  const paramsPath = FieldPath.root('parameters');
  const params = obj(sc.parameters, paramsPath, errs);
  let bytes = 0;
  for (const [k, v] of Object.entries(params)) {
    if (k === '') errs.push(invalid(paramsPath, k, 'field can not be empty.'));
    bytes += k.length + str(v, paramsPath.key(k), errs).length;
  }
  if (Object.keys(params).length > MAX_PARAMETERS) errs.push(invalid(paramsPath, Object.keys(params).length, `must have less than ${MAX_PARAMETERS} parameters`));
  if (bytes > MAX_PARAMETERS_BYTES) errs.push({ reason: 'FieldValueTooLong', field: 'parameters', message: `Too long: must have at most ${MAX_PARAMETERS_BYTES} bytes` });

  if (sc.reclaimPolicy !== undefined && sc.reclaimPolicy !== null) {
    const policy = str(sc.reclaimPolicy, FieldPath.root('reclaimPolicy'), errs);
    if (!RECLAIM_POLICIES.includes(policy)) errs.push(notSupported(FieldPath.root('reclaimPolicy'), policy, RECLAIM_POLICIES));
  }
  const mode = sc.volumeBindingMode;
  if (mode === undefined || mode === null) errs.push(required(FieldPath.root('volumeBindingMode')));
  else if (!BINDING_MODES.includes(str(mode, FieldPath.root('volumeBindingMode'), errs))) errs.push(notSupported(FieldPath.root('volumeBindingMode'), mode, BINDING_MODES));
}

/** What a class makes is fixed: its provisioner, parameters, reclaim policy and binding mode. */
export function validateStorageClassUpdate(next: KubeObject, prev: KubeObject, errs: FieldErrors): void {
  if (!deepEqual(next.parameters ?? {}, prev.parameters ?? {})) errs.push(forbidden(FieldPath.root('parameters'), 'updates to parameters are forbidden.'));
  if (next.provisioner !== prev.provisioner) errs.push(forbidden(FieldPath.root('provisioner'), 'updates to provisioner are forbidden.'));
  if ((next.reclaimPolicy ?? 'Delete') !== (prev.reclaimPolicy ?? 'Delete')) errs.push(forbidden(FieldPath.root('reclaimPolicy'), 'updates to reclaimPolicy are forbidden.'));
  if (next.volumeBindingMode !== prev.volumeBindingMode) errs.push(invalid(FieldPath.root('volumeBindingMode'), next.volumeBindingMode ?? null, IMMUTABLE));
}
