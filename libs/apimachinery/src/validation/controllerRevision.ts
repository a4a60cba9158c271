import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import { deepEqual } from '../deepEqual.js';
import { validateNonNegative } from './apps.js';
import { FieldPath, invalid, required, type FieldErrors } from './fieldErrors.js';

/** Kubernetes' ValidateControllerRevision: data is mandatory, the revision non-negative. */
export function validateControllerRevision(rev: ControllerRevision, errs: FieldErrors): void {
  if (rev.data === undefined || rev.data === null) errs.push(required(FieldPath.root('data'), 'data is mandatory'));
  validateNonNegative(rev.revision, FieldPath.root('revision'), errs);
}

/** A revision's data is a record of the past: it may not change. */
export function validateControllerRevisionUpdate(next: ControllerRevision, prev: ControllerRevision, errs: FieldErrors): void {
  if (!deepEqual(next.data, prev.data)) errs.push(invalid(FieldPath.root('data'), next.data ?? null, 'field is immutable'));
}
