import { WEBHOOK_EVENTS } from '../gitops.js';
import { configMapKeyErrors, dns1123SubdomainErrors } from '../names.js';
import type { KubeObject } from '../types.js';
import { duplicate, FieldPath, invalid, invalidEach, notSupported, required, type FieldErrors } from './fieldErrors.js';
import { int, obj, str, strings } from './values.js';

/**
 * skiff.dev/v1alpha1 Webhook: an outbound notification of Application events to a URL. Without
 * `events` it receives every event, without `applications` it covers every Application in its
 * namespace.
 */
export function validateWebhook(hook: KubeObject, errs: FieldErrors): void {
  const specPath = FieldPath.root('spec');
  const spec = obj(hook.spec, specPath, errs);

  const urlPath = specPath.child('url');
  const url = str(spec.url, urlPath, errs);
  if (!url) errs.push(required(urlPath));
  else if (!isHttpURL(url)) errs.push(invalid(urlPath, url, 'must be an http:// or https:// URL'));

  const seen = new Set<string>();
  for (const event of strings(spec.events, specPath.child('events'), errs)) {
    if (!(WEBHOOK_EVENTS as readonly string[]).includes(event.value)) errs.push(notSupported(event.path, event.value, WEBHOOK_EVENTS));
    else if (seen.has(event.value)) errs.push(duplicate(event.path, event.value));
    seen.add(event.value);
  }

  for (const app of strings(spec.applications, specPath.child('applications'), errs)) {
    errs.push(...invalidEach(app.path, app.value, dns1123SubdomainErrors(app.value)));
  }

  if (spec.secretRef !== undefined && spec.secretRef !== null) {
    const refPath = specPath.child('secretRef');
    const ref = obj(spec.secretRef, refPath, errs);
    const name = str(ref.name, refPath.child('name'), errs);
    if (!name) errs.push(required(refPath.child('name')));
    else errs.push(...invalidEach(refPath.child('name'), name, dns1123SubdomainErrors(name)));
    const key = str(ref.key, refPath.child('key'), errs);
    if (!key) errs.push(required(refPath.child('key')));
    else errs.push(...invalidEach(refPath.child('key'), key, configMapKeyErrors(key)));
  }

  const timeout = int(spec.timeoutSeconds, specPath.child('timeoutSeconds'), errs);
  if (timeout !== undefined && timeout < 1) errs.push(invalid(specPath.child('timeoutSeconds'), timeout, 'must be greater than 0'));

  const status = obj(hook.status, FieldPath.root('status'), errs);
  const failures = int(status.failures, FieldPath.root('status', 'failures'), errs);
  if (failures !== undefined && failures < 0) errs.push(invalid(FieldPath.root('status', 'failures'), failures, 'must be greater than or equal to 0'));
}

function isHttpURL(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
