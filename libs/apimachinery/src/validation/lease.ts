import type { KubeObject } from '../types.js';
import { FieldPath, invalid, NEGATIVE, type FieldErrors } from './fieldErrors.js';
import { int, obj, str } from './values.js';

/** coordination.k8s.io/v1 ValidateLeaseSpec. */
export function validateLease(lease: KubeObject, errs: FieldErrors): void {
  const specPath = FieldPath.root('spec');
  const spec = obj(lease.spec, specPath, errs);
  const duration = int(spec.leaseDurationSeconds, specPath.child('leaseDurationSeconds'), errs);
  if (duration !== undefined && duration <= 0) errs.push(invalid(specPath.child('leaseDurationSeconds'), duration, 'must be greater than 0'));
  const transitions = int(spec.leaseTransitions, specPath.child('leaseTransitions'), errs);
  if (transitions !== undefined && transitions < 0) errs.push(invalid(specPath.child('leaseTransitions'), transitions, NEGATIVE));
  str(spec.holderIdentity, specPath.child('holderIdentity'), errs);
  for (const f of ['acquireTime', 'renewTime'] as const) {
    const t = str(spec[f], specPath.child(f), errs);
    if (t && Number.isNaN(Date.parse(t))) errs.push(invalid(specPath.child(f), t, 'must be an RFC 3339 timestamp'));
  }
}
