import semver from 'semver';
import { dns1123LabelErrors, dns1123SubdomainErrors } from '../names.js';
import type { KubeObject } from '../types.js';
import { FieldPath, forbidden, invalid, invalidEach, notSupported, required, type FieldErrors } from './fieldErrors.js';
import { regexpError, validateImageConditions } from './imageRepository.js';
import { obj, str } from './values.js';

const ORDERS = ['asc', 'desc'] as const;
const POLICIES = ['semver', 'alphabetical', 'numerical'] as const;

/**
 * image.toolkit.fluxcd.io/v1beta2 ImagePolicy: which ImageRepository, and how its tags are
 * ordered to choose the latest (exactly one of semver, alphabetical, numerical), after an
 * optional regular-expression filter.
 */
export function validateImagePolicy(policy: KubeObject, errs: FieldErrors): void {
  const specPath = FieldPath.root('spec');
  const spec = obj(policy.spec, specPath, errs);

  const refPath = specPath.child('imageRepositoryRef');
  const ref = obj(spec.imageRepositoryRef, refPath, errs);
  const name = str(ref.name, refPath.child('name'), errs);
  if (!name) errs.push(required(refPath.child('name')));
  else errs.push(...invalidEach(refPath.child('name'), name, dns1123SubdomainErrors(name)));
  const namespace = str(ref.namespace, refPath.child('namespace'), errs);
  if (namespace) errs.push(...invalidEach(refPath.child('namespace'), namespace, dns1123LabelErrors(namespace)));

  const choicePath = specPath.child('policy');
  const choice = obj(spec.policy, choicePath, errs);
  const set = POLICIES.filter((p) => choice[p] !== undefined && choice[p] !== null);
  if (spec.policy === undefined) errs.push(required(choicePath));
  else if (set.length === 0) errs.push(required(choicePath, `one of ${POLICIES.join(', ')} must be set`));
  else if (set.length > 1) errs.push(forbidden(choicePath.child(set[1]), `only one policy may be set, and ${set[0]} is`));
  if (choice.semver !== undefined) {
    const rangePath = choicePath.child('semver', 'range');
    const range = str(obj(choice.semver, choicePath.child('semver'), errs).range, rangePath, errs);
    if (!range) errs.push(required(rangePath));
    else if (semver.validRange(range) === null) errs.push(invalid(rangePath, range, 'must be a semver range such as ~1.0, ^2.3.0 or >=1.0.0 <2.0.0'));
  }
  for (const ordered of ['alphabetical', 'numerical'] as const) {
    if (choice[ordered] === undefined) continue;
    const orderPath = choicePath.child(ordered, 'order');
    const order = str(obj(choice[ordered], choicePath.child(ordered), errs).order, orderPath, errs);
    if (order && !(ORDERS as readonly string[]).includes(order)) errs.push(notSupported(orderPath, order, ORDERS));
  }

  const filterPath = specPath.child('filterTags');
  const filter = obj(spec.filterTags, filterPath, errs);
  const pattern = str(filter.pattern, filterPath.child('pattern'), errs);
  const problem = pattern ? regexpError(pattern) : undefined;
  if (problem) errs.push(invalid(filterPath.child('pattern'), pattern, problem));
  const extract = str(filter.extract, filterPath.child('extract'), errs);
  if (extract && !pattern) errs.push(required(filterPath.child('pattern'), 'extract needs a pattern to take groups from'));

  const statusPath = FieldPath.root('status');
  const status = obj(policy.status, statusPath, errs);
  str(status.latestImage, statusPath.child('latestImage'), errs);
  validateImageConditions(status.conditions, statusPath.child('conditions'), errs);
}
