import { PV_PROTECTION_FINALIZER, PVC_PROTECTION_FINALIZER, shape, type KubeObject } from '@skiff/apimachinery';
import type { PersistentVolume, Pod } from 'kubernetes-types/core/v1.js';

/**
 * Whether a pod uses a claim, for protection: a scheduled pod naming it, whatever its phase (the
 * kubelet of its node may still have it mounted; Kubernetes' podUsesPVC). An unscheduled pod
 * never will: the kubelet refuses a claim being deleted.
 */
export function podUsesClaim(pod: KubeObject, claimName: string): boolean {
  const spec = shape<Pod>(pod).spec;
  if (!spec?.nodeName) return false;
  return (spec.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === claimName);
}

/** The claim's finalizer may go: it is being deleted and no pod of its namespace uses it. */
export function claimProtectionDone(claim: KubeObject, pods: readonly KubeObject[]): boolean {
  if (!claim.metadata.deletionTimestamp || !claim.metadata.finalizers?.includes(PVC_PROTECTION_FINALIZER)) return false;
  return !pods.some((p) => p.metadata.namespace === claim.metadata.namespace && podUsesClaim(p, claim.metadata.name!));
}

/** The volume's finalizer may go: it is being deleted and is not bound to a claim. */
export function volumeProtectionDone(volume: KubeObject): boolean {
  if (!volume.metadata.deletionTimestamp || !volume.metadata.finalizers?.includes(PV_PROTECTION_FINALIZER)) return false;
  return shape<PersistentVolume>(volume).status?.phase !== 'Bound';
}

/** The patch that removes one finalizer, conditional on the version read. */
export function withoutFinalizer(obj: KubeObject, finalizer: string): { metadata: { finalizers: string[]; resourceVersion?: string } } {
  return { metadata: { finalizers: (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer), resourceVersion: obj.metadata.resourceVersion } };
}
