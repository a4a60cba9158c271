import type { ReplicationController } from 'kubernetes-types/core/v1.js';
import { validateNonNegative, validateReplicaStatus } from './apps.js';
import { FieldPath, forbidden, invalid, notSupported, required, type FieldErrors } from './fieldErrors.js';
import { validateAnnotations, validateLabels } from './objectMeta.js';
import { validatePodSpec } from './podSpec.js';
import { isObject, obj, stringMap } from './values.js';

/**
 * Kubernetes' ValidateReplicationController: a non-empty selector (a plain label map, defaulted
 * from the template's labels), a template whose labels it matches, restartPolicy Always. Unlike a
 * ReplicaSet's, the selector may change.
 */
export function validateReplicationController(rc: ReplicationController, errs: FieldErrors): void {
  const specPath = FieldPath.root('spec');
  const spec = obj(rc.spec, specPath, errs);
  validateNonNegative(spec.minReadySeconds, specPath.child('minReadySeconds'), errs);
  const selector = stringMap(spec.selector, specPath.child('selector'), errs);
  if (Object.keys(selector).length === 0) errs.push(required(specPath.child('selector')));
  else validateLabels(spec.selector, specPath.child('selector'), errs);
  validateNonNegative(spec.replicas, specPath.child('replicas'), errs);

  const templatePath = specPath.child('template');
  if (!isObject(spec.template)) {
    errs.push(required(templatePath));
  } else {
    const meta = obj(spec.template.metadata, templatePath.child('metadata'), errs);
    const labels = stringMap(meta.labels, templatePath.child('metadata', 'labels'), []);
    const entries = Object.entries(selector);
    if (entries.length && !entries.every(([k, v]) => labels[k] === v)) {
      errs.push(invalid(templatePath.child('metadata', 'labels'), meta.labels ?? null, '`selector` does not match template `labels`'));
    }
    validateLabels(meta.labels, templatePath.child('metadata', 'labels'), errs);
    validateAnnotations(meta.annotations, templatePath.child('metadata', 'annotations'), errs);
    validatePodSpec(spec.template.spec, templatePath.child('spec'), errs, { isPod: false });
    const podSpec = isObject(spec.template.spec) ? spec.template.spec : {};
    const restartPolicy = podSpec.restartPolicy ?? 'Always';
    if (restartPolicy !== 'Always') errs.push(notSupported(templatePath.child('spec', 'restartPolicy'), restartPolicy, ['Always']));
    if (podSpec.activeDeadlineSeconds !== undefined && podSpec.activeDeadlineSeconds !== null) {
      errs.push(forbidden(templatePath.child('spec', 'activeDeadlineSeconds'), 'activeDeadlineSeconds in ReplicationController is not Supported'));
    }
  }
  validateReplicaStatus(rc.status, ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas'], errs);
}
