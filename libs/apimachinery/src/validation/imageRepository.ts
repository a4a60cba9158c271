import { parseGoDuration } from '../goDuration.js';
import { goRegExp } from '../image/goRegExp.js';
import { dns1123SubdomainErrors } from '../names.js';
import type { KubeObject } from '../types.js';
import { FieldPath, invalid, invalidEach, notSupported, required, type FieldErrors } from './fieldErrors.js';
import { arr, bool, int, obj, str, strings } from './values.js';

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^[a-zA-Z0-9](?:[a-zA-Z0-9.-]*[a-zA-Z0-9])?(?::[0-9]+)?$/;
const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;

/**
 * image.toolkit.fluxcd.io/v1beta2 ImageRepository: which image repository to scan for tags, how
 * often, and with which credentials. Validated as Flux's CRD schema does (the image without a tag
 * or digest, intervals as Go durations, exclusion patterns that compile).
 */
export function validateImageRepository(repo: KubeObject, errs: FieldErrors): void {
  const specPath = FieldPath.root('spec');
  const spec = obj(repo.spec, specPath, errs);

  const imagePath = specPath.child('image');
  const image = str(spec.image, imagePath, errs);
  if (!image) errs.push(required(imagePath));
  else {
    const problem = imageNameError(image);
    if (problem) errs.push(invalid(imagePath, image, problem));
  }
  validateInterval(spec.interval, specPath.child('interval'), errs, true);
  validateInterval(spec.timeout, specPath.child('timeout'), errs, false);
  validateLocalRef(spec.secretRef, specPath.child('secretRef'), errs);
  bool(spec.insecure, specPath.child('insecure'), errs);
  bool(spec.suspend, specPath.child('suspend'), errs);
  for (const pattern of strings(spec.exclusionList, specPath.child('exclusionList'), errs)) {
    const problem = regexpError(pattern.value);
    if (problem) errs.push(invalid(pattern.path, pattern.value, problem));
  }

  const statusPath = FieldPath.root('status');
  const status = obj(repo.status, statusPath, errs);
  const scan = obj(status.lastScanResult, statusPath.child('lastScanResult'), errs);
  int(scan.tagCount, statusPath.child('lastScanResult', 'tagCount'), errs);
  strings(scan.latestTags, statusPath.child('lastScanResult', 'latestTags'), errs);
  strings(status.tags, statusPath.child('tags'), errs);
  validateImageConditions(status.conditions, statusPath.child('conditions'), errs);
}

/** An image repository name without tag or digest: `[domain/]path`. Undefined when it is one. */
export function imageNameError(image: string): string | undefined {
  if (image.includes('@')) return 'must not contain a digest';
  const parts = image.split('/');
  if (parts.length > 1 && (parts[0].includes('.') || parts[0].includes(':') || parts[0] === 'localhost')) {
    const domain = parts.shift()!;
    if (!DOMAIN.test(domain)) return 'invalid registry host';
  }
  if (parts.at(-1)!.includes(':')) return 'must not contain a tag: the policy chooses the tag';
  if (!parts.every((p) => PATH_COMPONENT.test(p))) return 'invalid reference format: repository name must be lowercase letters, digits and separators';
  return undefined;
}

/** A Go duration (`1m`, `1h30m`); `required` says whether an absent one is an error. */
export function validateInterval(value: unknown, path: FieldPath, errs: FieldErrors, isRequired: boolean): void {
  const text = str(value, path, errs);
  if (!text) {
    if (isRequired && value === undefined) errs.push(required(path));
    return;
  }
  const ms = parseGoDuration(text);
  if (ms === undefined) errs.push(invalid(path, text, 'must be a duration such as 30s, 5m or 1h30m'));
  else if (ms <= 0) errs.push(invalid(path, text, 'must be greater than 0'));
}

/** `{ name }` of an object in the same namespace. */
export function validateLocalRef(value: unknown, path: FieldPath, errs: FieldErrors): void {
  if (value === undefined || value === null) return;
  const ref = obj(value, path, errs);
  const name = str(ref.name, path.child('name'), errs);
  if (!name) errs.push(required(path.child('name')));
  else errs.push(...invalidEach(path.child('name'), name, dns1123SubdomainErrors(name)));
}

export function regexpError(pattern: string): string | undefined {
  try {
    goRegExp(pattern);
    return undefined;
  } catch (err) {
    return `must be a valid regular expression: ${(err as Error).message}`;
  }
}

/** Conditions as metav1.Condition: type, status and reason required. */
export function validateImageConditions(value: unknown, path: FieldPath, errs: FieldErrors): void {
  arr(value, path, errs).forEach((item, i) => {
    const p = path.index(i);
    const c = obj(item, p, errs);
    if (!str(c.type, p.child('type'), errs)) errs.push(required(p.child('type')));
    const status = str(c.status, p.child('status'), errs);
    if (!(CONDITION_STATUSES as readonly string[]).includes(status)) errs.push(notSupported(p.child('status'), status, CONDITION_STATUSES));
    if (!str(c.reason, p.child('reason'), errs)) errs.push(required(p.child('reason')));
    str(c.message, p.child('message'), errs);
  });
}
