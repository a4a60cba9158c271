import type { KubeObject } from '../types.js';
import { FieldPath, type FieldErrors } from './fieldErrors.js';
import { validateFinalizerName } from './objectMeta.js';
import { arr, obj, str } from './values.js';

/** Kubernetes' ValidateNamespace: spec.finalizers are qualified names ('kubernetes' is the standard one). */
export function validateNamespace(ns: KubeObject, errs: FieldErrors): void {
  const specPath = FieldPath.root('spec');
  const spec = obj(ns.spec, specPath, errs);
  const finalizersPath = specPath.child('finalizers');
  arr(spec.finalizers, finalizersPath, errs).forEach((f, i) => {
    validateFinalizerName(str(f, finalizersPath.index(i), errs), finalizersPath, errs);
  });
}
