import type { KubeObject } from '@skiff/apimachinery';

/**
 * Kubernetes' RuntimeClass admission, for a cluster with no RuntimeClasses: Skiff serves no
 * node.k8s.io RuntimeClass objects and its node agents have one runtime handler each, so a pod that
 * names a RuntimeClass is refused as kube-apiserver refuses one naming a RuntimeClass that does
 * not exist, rather than accepted and run on the default handler. A pod overhead can only come
 * from a RuntimeClass, so one set by hand is refused too. Returns the reason, or undefined.
 */
export function runtimeClassRejection(pod: KubeObject): string | undefined {
  const spec = pod.spec as { runtimeClassName?: string | null; overhead?: Record<string, unknown> | null } | undefined;
  if (spec?.runtimeClassName) return `pod rejected: RuntimeClass ${JSON.stringify(spec.runtimeClassName)} not found`;
  if (spec?.overhead) return 'pod rejected: Pod Overhead set without corresponding RuntimeClass defined Overhead';
  return undefined;
}
