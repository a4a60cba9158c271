import { PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER, type KubeObject } from '@skiff/apimachinery';

/**
 * Kubernetes' StorageObjectInUseProtection admission: every new claim and volume carries the
 * finalizer its protection controller removes once nothing uses it, so deleting a claim a pod
 * still mounts (or a volume still bound) waits instead of pulling the data from under the pod.
 */
export function withStorageProtection(obj: KubeObject, resource: 'persistentvolumeclaims' | 'persistentvolumes'): KubeObject {
  const finalizer = resource === 'persistentvolumeclaims' ? PVC_PROTECTION_FINALIZER : PV_PROTECTION_FINALIZER;
  const finalizers = obj.metadata.finalizers ?? [];
  if (finalizers.includes(finalizer)) return obj;
  return { ...obj, metadata: { ...obj.metadata, finalizers: [...finalizers, finalizer] } };
}
