import type { Ingress, IngressClass } from 'kubernetes-types/networking/v1.js';

/** The `spec.controller` of IngressClasses this proxy serves. */
export const INGRESS_CONTROLLER = 'skiff.dev/ingress';
/** The IngressClass `skiff up` makes at cluster start, marked default. */
export const DEFAULT_INGRESS_CLASS = 'skiff';
export const IS_DEFAULT_CLASS_ANNOTATION = 'ingressclass.kubernetes.io/is-default-class';
/** The class annotation that came before `spec.ingressClassName`; controllers still honour it. */
export const INGRESS_CLASS_ANNOTATION = 'kubernetes.io/ingress.class';

/**
 * Whether this controller serves `ingress`: its class (the field, else the legacy annotation)
 * names an IngressClass whose controller is ours; an Ingress with no class is ours when the
 * default class is (Kubernetes leaves a classless Ingress to the default class's controller).
 */
export function isServedIngress(ingress: Ingress, classes: readonly IngressClass[], controller = INGRESS_CONTROLLER): boolean {
  const className = ingress.spec?.ingressClassName ?? ingress.metadata?.annotations?.[INGRESS_CLASS_ANNOTATION];
  if (className) return classes.some((c) => c.metadata?.name === className && c.spec?.controller === controller);
  const fallback = defaultIngressClass(classes);
  return fallback?.spec?.controller === controller;
}

/**
 * The default IngressClass, as the admission plugin picks it: among classes annotated
 * `is-default-class: "true"`, the newest (then by name), so a second default added later takes over.
 */
export function defaultIngressClass(classes: readonly IngressClass[]): IngressClass | undefined {
  const defaults = classes.filter((c) => c.metadata?.annotations?.[IS_DEFAULT_CLASS_ANNOTATION] === 'true');
  defaults.sort((a, b) => (b.metadata?.creationTimestamp ?? '').localeCompare(a.metadata?.creationTimestamp ?? '') || (a.metadata?.name ?? '').localeCompare(b.metadata?.name ?? ''));
  return defaults[0];
}
