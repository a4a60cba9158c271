import type { CustomResourceDefinition } from 'kubernetes-types/apiextensions/v1.js';
import {
  CUSTOM_RESOURCE_CLEANUP_FINALIZER,
  defaultCustomResourceDefinition,
  prepareCustomResourceDefinitionForCreate,
  prepareCustomResourceDefinitionForDelete,
  validateCustomResourceDefinitionUpdate,
} from '../apiextensions/customResourceDefinitionStrategy.js';
import { resourceType } from '../resources.js';
import { customResourceDefinitionPrinter } from '../tables/customResourceDefinition.js';
import { validateCustomResourceDefinition } from '../validation/customResourceDefinition.js';
import { defineKind } from './kind.js';
import { CONDITIONS } from './podSpecLists.js';

export const CUSTOM_RESOURCE_DEFINITION = defineKind<CustomResourceDefinition>({
  ...resourceType('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false, {
    shortNames: ['crd', 'crds'],
    categories: ['api-extensions'],
    subresources: ['status'],
  }),
  defaults: defaultCustomResourceDefinition,
  validate: validateCustomResourceDefinition,
  validateUpdate: validateCustomResourceDefinitionUpdate,
  prepareForCreate: prepareCustomResourceDefinitionForCreate,
  // Until it is marked deleted, a CRD's deletion always waits for its cleanup finalizer, which
  // marking it adds (prepareForDelete); from then on only metadata.finalizers hold it.
  kindFinalizers: (crd) => (crd.metadata?.deletionTimestamp ? [] : [CUSTOM_RESOURCE_CLEANUP_FINALIZER]),
  prepareForDelete: (crd) => prepareCustomResourceDefinitionForDelete(crd, crd.metadata?.deletionTimestamp ?? ''),
  printer: customResourceDefinitionPrinter,
  lists: { ...CONDITIONS },
});
