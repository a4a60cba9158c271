import type { KubeObject } from '@skiff/apimachinery';

/** How often a namespace waiting on finalizers or other controllers is looked at again. */
export const CONTENT_RECHECK_MS = 2000;

/**
 * When the remaining content should be gone, as Kubernetes estimates it: a pod being deleted
 * gracefully goes at its deletionTimestamp (now + grace period); anything else (finalizers,
 * other controllers) is looked at again after CONTENT_RECHECK_MS. Deletions also wake the
 * namespace through its watches, so this is the latest, not the only, next look.
 * Example: a pod deleted at 12:00:00 with 30 s grace -> deletionTimestamp 12:00:30; at 12:00:10 -> 20 000 ms.
 */
export function contentRemovalEstimate(left: readonly KubeObject[], now: Date): number {
  let ms = 0;
  for (const obj of left) {
    const at = obj.metadata.deletionTimestamp ? Date.parse(obj.metadata.deletionTimestamp) - now.getTime() : 0;
    ms = Math.max(ms, at);
  }
  return ms > 0 ? ms : CONTENT_RECHECK_MS;
}
