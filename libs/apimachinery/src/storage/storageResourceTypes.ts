import type { ResourceType } from '../resources.js';

/** What discovery says of the storage kinds, as kube-apiserver 1.32 serves them. */

const VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const PERSISTENT_VOLUME_TYPE: ResourceType = {
  group: '',
  version: 'v1',
  resource: 'persistentvolumes',
  singular: 'persistentvolume',
  kind: 'PersistentVolume',
  listKind: 'PersistentVolumeList',
  namespaced: false,
  shortNames: ['pv'],
  categories: [],
  verbs: VERBS,
  subresources: ['status'],
};

export const PERSISTENT_VOLUME_CLAIM_TYPE: ResourceType = {
  group: '',
  version: 'v1',
  resource: 'persistentvolumeclaims',
  singular: 'persistentvolumeclaim',
  kind: 'PersistentVolumeClaim',
  listKind: 'PersistentVolumeClaimList',
  namespaced: true,
  shortNames: ['pvc'],
  categories: [],
  verbs: VERBS,
  subresources: ['status'],
};

export const STORAGE_CLASS_TYPE: ResourceType = {
  group: 'storage.k8s.io',
  version: 'v1',
  resource: 'storageclasses',
  singular: 'storageclass',
  kind: 'StorageClass',
  listKind: 'StorageClassList',
  namespaced: false,
  shortNames: ['sc'],
  categories: [],
  verbs: VERBS,
  subresources: [],
};
