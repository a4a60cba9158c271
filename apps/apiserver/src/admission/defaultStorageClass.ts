import { ANN_BETA_STORAGE_CLASS, defaultStorageClass, shape, type KubeObject } from '@skiff/apimachinery';
import type { PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';

/**
 * Kubernetes' DefaultStorageClass admission: a claim created without a class (neither
 * spec.storageClassName nor the beta annotation; an explicit "" means "no class" and stays) gets
 * the default class, the newest when several are marked. Without a default it is left classless.
 */
export function withDefaultStorageClass(obj: KubeObject, classes: readonly KubeObject[]): KubeObject {
  const claim = shape<PersistentVolumeClaim>(obj);
  if (claim.spec?.storageClassName !== undefined && claim.spec.storageClassName !== null) return obj;
  if (claim.metadata?.annotations?.[ANN_BETA_STORAGE_CLASS] !== undefined) return obj;
  const sc = defaultStorageClass(classes.map((c) => shape<StorageClass>(c)));
  if (!sc?.metadata?.name) return obj;
  return { ...obj, spec: { ...(obj.spec as object), storageClassName: sc.metadata.name } };
}
