import { resourceType } from '../resources.js';
import { setPersistentVolumeClaimDefaults, setPersistentVolumeDefaults, setStorageClassDefaults } from '../storage/storageDefaults.js';
import { persistentVolumeClaimPrinter, persistentVolumePrinter, storageClassPrinter } from '../tables/storage.js';
import { validatePersistentVolume, validatePersistentVolumeClaim, validatePersistentVolumeClaimUpdate, validatePersistentVolumeUpdate } from '../validation/persistentVolume.js';
import { validateStorageClass, validateStorageClassUpdate } from '../validation/storageClass.js';
import type { Kind } from './kind.js';
import { builtinOpenApi } from './openapi/openApiSchemas.js';
import { CONDITIONS } from './podSpecLists.js';

// Storage: the core group's volumes and claims, and storage.k8s.io's classes.

export const PERSISTENT_VOLUME: Kind = {
  ...resourceType('', 'v1', 'persistentvolumes', 'PersistentVolume', false, { shortNames: ['pv'], subresources: ['status'] }),
  defaults: setPersistentVolumeDefaults,
  validate: validatePersistentVolume,
  validateUpdate: validatePersistentVolumeUpdate,
  // Every volume starts Pending; the PV controller moves it on (Kubernetes' PrepareForCreate).
  prepareForCreate: (obj) => {
    obj.status = { phase: 'Pending' };
  },
  printer: persistentVolumePrinter,
  openApi: builtinOpenApi('V1PersistentVolume'),
};

export const PERSISTENT_VOLUME_CLAIM: Kind = {
  ...resourceType('', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true, { shortNames: ['pvc'], subresources: ['status'] }),
  defaults: setPersistentVolumeClaimDefaults,
  validate: validatePersistentVolumeClaim,
  validateUpdate: validatePersistentVolumeClaimUpdate,
  prepareForCreate: (obj) => {
    obj.status = { phase: 'Pending' };
  },
  printer: persistentVolumeClaimPrinter,
  openApi: builtinOpenApi('V1PersistentVolumeClaim'),
  lists: { ...CONDITIONS },
};

export const STORAGE_CLASS: Kind = {
  ...resourceType('storage.k8s.io', 'v1', 'storageclasses', 'StorageClass', false, { shortNames: ['sc'] }),
  defaults: setStorageClassDefaults,
  validate: validateStorageClass,
  validateUpdate: validateStorageClassUpdate,
  printer: storageClassPrinter,
  openApi: builtinOpenApi('V1StorageClass'),
};
