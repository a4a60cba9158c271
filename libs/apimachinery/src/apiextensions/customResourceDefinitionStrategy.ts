import type { CustomResourceDefinition } from 'kubernetes-types/apiextensions/v1.js';
import { FieldPath, IMMUTABLE, invalid, type FieldErrors } from '../validation/fieldErrors.js';
import { setCondition } from './customResourceDefinitionStatus.js';

/** The finalizer that holds a deleted CRD until its custom resources are gone (apiextensions' CRD finalizer). */
export const CUSTOM_RESOURCE_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

/** SetDefaults for apiextensions.k8s.io/v1 CRDs: singular and listKind from the kind, conversion None. */
export function defaultCustomResourceDefinition(crd: CustomResourceDefinition): void {
  const spec = crd.spec;
  if (!spec || typeof spec !== 'object') return;
  const names = spec.names;
  if (names && typeof names === 'object') {
    if (!names.singular && names.kind) names.singular = names.kind.toLowerCase();
    if (!names.listKind && names.kind) names.listKind = `${names.kind}List`;
  }
  spec.conversion ??= { strategy: 'None' };
}

/** A new CRD starts with no accepted names and its storage version stored (the CRD strategy's PrepareForCreate). */
export function prepareCustomResourceDefinitionForCreate(crd: CustomResourceDefinition): void {
  const storage = crd.spec?.versions?.find((v) => v.storage)?.name;
  crd.status = { acceptedNames: { plural: '', kind: '' }, storedVersions: storage ? [storage] : [] };
}

/**
 * What marking a CRD deleted does (apiextensions' CRD REST Delete): the cleanup finalizer is
 * added, so the CRD stays until its custom resources are deleted, and it turns Terminating.
 */
export function prepareCustomResourceDefinitionForDelete(crd: CustomResourceDefinition, now: string): void {
  const finalizers = crd.metadata?.finalizers ?? [];
  if (!finalizers.includes(CUSTOM_RESOURCE_CLEANUP_FINALIZER)) crd.metadata = { ...crd.metadata, finalizers: [...finalizers, CUSTOM_RESOURCE_CLEANUP_FINALIZER] };
  const status = crd.status ?? { acceptedNames: { plural: '', kind: '' } };
  crd.status = {
    ...status,
    conditions: setCondition(status.conditions ?? [], { type: 'Terminating', status: 'True', reason: 'InstanceDeletionPending', message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon' }, now),
  };
}

/** What an update may not change: the group and the scope. */
export function validateCustomResourceDefinitionUpdate(next: CustomResourceDefinition, prev: CustomResourceDefinition, errs: FieldErrors): void {
  if (prev.spec?.scope && next.spec?.scope !== prev.spec.scope) errs.push(invalid(FieldPath.root('spec', 'scope'), next.spec?.scope, IMMUTABLE));
  if (prev.spec?.group && next.spec?.group !== prev.spec.group) errs.push(invalid(FieldPath.root('spec', 'group'), next.spec?.group, IMMUTABLE));
}
