import type { KubeObject } from '@skiff/apimachinery';

export const IS_DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

/**
 * Kubernetes' DefaultIngressClass admission: an Ingress created without `spec.ingressClassName`
 * (and without the legacy `kubernetes.io/ingress.class` annotation) gets the default class, the
 * IngressClass annotated `ingressclass.kubernetes.io/is-default-class: "true"`; with several, the
 * newest (then by name), so a default added later takes over. Returns the class name, or
 * undefined to leave the Ingress as it is.
 */
export function defaultIngressClassName(ingress: KubeObject, classes: readonly KubeObject[]): string | undefined {
  const spec = (ingress.spec ?? {}) as { ingressClassName?: string | null };
  if (spec.ingressClassName) return undefined;
  if (ingress.metadata.annotations?.[INGRESS_CLASS_ANNOTATION] !== undefined) return undefined;
  const defaults = classes.filter((c) => c.metadata.annotations?.[IS_DEFAULT_CLASS_ANNOTATION] === 'true');
  defaults.sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  return defaults[0]?.metadata.name;
}
