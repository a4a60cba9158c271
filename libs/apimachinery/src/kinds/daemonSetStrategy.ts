import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import { deepEqual } from '../deepEqual.js';
import { defaultPodSpec } from '../defaults.js';
import type { KubeObject } from '../types.js';
import { isObject } from '../validation/values.js';
import { shape } from './kind.js';

// The DaemonSet's registry strategy (pkg/registry/apps/daemonset): the template generation.

/** Where apps/v1 keeps a DaemonSet's template generation (Kubernetes' internal spec.templateGeneration). */
export const TEMPLATE_GENERATION_ANNOTATION = 'deprecated.daemonset.template.generation';

function generationOf(obj: KubeObject): number {
  const v = Number(obj.metadata.annotations?.[TEMPLATE_GENERATION_ANNOTATION]);
  return Number.isInteger(v) && v > 0 ? v : 0;
}

function setGeneration(obj: KubeObject, generation: number): void {
  obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), [TEMPLATE_GENERATION_ANNOTATION]: String(generation) };
}

/** A new DaemonSet starts with no status at template generation 1 (or the one it brought, if higher). */
export function prepareDaemonSetForCreate(ds: KubeObject): void {
  delete ds.status;
  setGeneration(ds, Math.max(1, generationOf(ds)));
}

/**
 * A write keeps the stored template generation, one higher when the template changed (compared
 * with its defaults filled in, as the stored one has them). Pods made before revisions existed
 * are told apart by it (the `pod-template-generation` label).
 */
export function prepareDaemonSetForUpdate(next: KubeObject, old: KubeObject): void {
  const template = structuredClone(shape<DaemonSet>(next).spec?.template ?? {}) as Record<string, unknown>;
  if (isObject(template.spec)) defaultPodSpec(template.spec);
  const changed = !deepEqual(template, shape<DaemonSet>(old).spec?.template ?? {});
  setGeneration(next, Math.max(1, generationOf(old)) + (changed ? 1 : 0));
}
