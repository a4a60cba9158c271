import type { KubeObject } from '../types.js';
import { dns1123SubdomainErrors, qualifiedNameErrors } from '../names.js';
import { FieldPath, invalid, invalidEach, required, type FieldErrors } from './fieldErrors.js';
import { obj, str } from './values.js';

const REPORTING_INSTANCE_LIMIT = 128;
const ACTION_LIMIT = 128;
const REASON_LIMIT = 128;
const NOTE_LIMIT = 1024;

/**
 * core/v1 Events (Kubernetes' legacyValidateEvent). Old-style events (no eventTime) only need
 * their namespace to agree with the involved object's; new-style ones also name their reporter.
 */
export function validateEvent(event: KubeObject, errs: FieldErrors): void {
  const namespace = event.metadata?.namespace ?? '';
  const ioPath = FieldPath.root('involvedObject');
  if (event.involvedObject === undefined || event.involvedObject === null) {
    errs.push(required(ioPath));
  }
  const involved = obj(event.involvedObject, ioPath, errs);
  const involvedNamespace = str(involved.namespace, ioPath.child('namespace'), errs);
  const eventTime = str(event.eventTime, FieldPath.root('eventTime'), errs);
  if (!eventTime) {
    if (!involvedNamespace) {
      if (namespace && namespace !== 'default') errs.push(invalid(ioPath.child('namespace'), involvedNamespace, 'does not match event.namespace'));
    } else if (namespace !== involvedNamespace) {
      errs.push(invalid(ioPath.child('namespace'), involvedNamespace, 'does not match event.namespace'));
    }
  } else {
    if (!involvedNamespace && namespace !== 'default' && namespace !== 'kube-system') {
      errs.push(invalid(ioPath.child('namespace'), involvedNamespace, 'does not match event.namespace'));
    }
    const controller = str(event.reportingComponent, FieldPath.root('reportingComponent'), errs);
    if (!controller) errs.push(required(FieldPath.root('reportingComponent')));
    errs.push(...invalidEach(FieldPath.root('reportingComponent'), controller, qualifiedNameErrors(controller)));
    const instance = str(event.reportingInstance, FieldPath.root('reportingInstance'), errs);
    if (!instance) errs.push(required(FieldPath.root('reportingInstance')));
    if (instance.length > REPORTING_INSTANCE_LIMIT) errs.push(invalid(FieldPath.root('reportingInstance'), '', `can have at most ${REPORTING_INSTANCE_LIMIT} characters`));
    const action = str(event.action, FieldPath.root('action'), errs);
    if (!action) errs.push(required(FieldPath.root('action')));
    if (action.length > ACTION_LIMIT) errs.push(invalid(FieldPath.root('action'), '', `can have at most ${ACTION_LIMIT} characters`));
    const reason = str(event.reason, FieldPath.root('reason'), errs);
    if (!reason) errs.push(required(FieldPath.root('reason')));
    if (reason.length > REASON_LIMIT) errs.push(invalid(FieldPath.root('reason'), '', `can have at most ${REASON_LIMIT} characters`));
    const message = str(event.message, FieldPath.root('message'), errs);
    if (message.length > NOTE_LIMIT) errs.push(invalid(FieldPath.root('message'), '', `can have at most ${NOTE_LIMIT} characters`));
  }
  if (namespace) errs.push(...invalidEach(FieldPath.root('namespace'), namespace, dns1123SubdomainErrors(namespace)));
}
