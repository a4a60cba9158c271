import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import { deepEqual } from '../deepEqual.js';
import { dns1123SubdomainErrors, pathSegmentNameErrors } from '../names.js';
import { FieldPath, invalid, invalidEach, notSupported, required, type FieldErrors } from './fieldErrors.js';
import { validateLabelSelector } from './labelSelector.js';
import { arr, obj, str } from './values.js';

/**
 * rbac.authorization.k8s.io/v1 validation, as Kubernetes' pkg/apis/rbac/validation checks it.
 * Objects are stored and served; nothing here evaluates a rule (authorization is issue 12).
 */

export const RBAC_GROUP = 'rbac.authorization.k8s.io';
const SUBJECT_KINDS = ['ServiceAccount', 'User', 'Group'];

function strings(v: unknown, path: FieldPath, errs: FieldErrors): string[] {
  return arr(v, path, errs).map((s, i) => str(s, path.index(i), errs));
}

/**
 * One rule: verbs always; then either non-resource URLs (cluster roles only, and nothing else) or
 * resources with their API groups.
 */
function validatePolicyRule(rule: unknown, namespaced: boolean, path: FieldPath, errs: FieldErrors): void {
  const r = obj(rule, path, errs);
  const verbs = strings(r.verbs, path.child('verbs'), errs);
  const apiGroups = strings(r.apiGroups, path.child('apiGroups'), errs);
  const resources = strings(r.resources, path.child('resources'), errs);
  const resourceNames = strings(r.resourceNames, path.child('resourceNames'), errs);
  const urls = strings(r.nonResourceURLs, path.child('nonResourceURLs'), errs);
  if (verbs.length === 0) errs.push(required(path.child('verbs'), 'verbs must contain at least one value'));
  if (urls.length > 0) {
    if (namespaced) errs.push(invalid(path.child('nonResourceURLs'), urls, 'namespaced rules cannot apply to non-resource URLs'));
    if (apiGroups.length > 0 || resources.length > 0 || resourceNames.length > 0) {
      errs.push(invalid(path.child('nonResourceURLs'), urls, 'rules cannot apply to both regular resources and non-resource URLs'));
    }
    return;
  }
  if (apiGroups.length === 0) errs.push(required(path.child('apiGroups'), 'resource rules must supply at least one api group'));
  if (resources.length === 0) errs.push(required(path.child('resources'), 'resource rules must supply at least one resource'));
}

function validateRules(rules: unknown, namespaced: boolean, errs: FieldErrors): void {
  const path = FieldPath.root('rules');
  arr(rules, path, errs).forEach((rule, i) => validatePolicyRule(rule, namespaced, path.index(i), errs));
}

export function validateRole(role: Role, errs: FieldErrors): void {
  validateRules(role.rules, true, errs);
}

export function validateClusterRole(role: ClusterRole, errs: FieldErrors): void {
  validateRules(role.rules, false, errs);
  if (role.aggregationRule === undefined || role.aggregationRule === null) return;
  const path = FieldPath.root('aggregationRule', 'clusterRoleSelectors');
  const selectors = arr(obj(role.aggregationRule, FieldPath.root('aggregationRule'), errs).clusterRoleSelectors, path, errs);
  if (selectors.length === 0) errs.push(required(path, 'at least one clusterRoleSelector required if aggregationRule is non-nil'));
  selectors.forEach((s, i) => validateLabelSelector(s, path.index(i), errs));
}

/**
 * A binding's subject. A ServiceAccount is named in the core group and, in a ClusterRoleBinding,
 * needs its namespace (a RoleBinding's defaults to the binding's own); Users and Groups are
 * rbac.authorization.k8s.io's.
 */
function validateSubject(subject: unknown, namespaced: boolean, path: FieldPath, errs: FieldErrors): void {
  const s = obj(subject, path, errs);
  const kind = str(s.kind, path.child('kind'), errs);
  const name = str(s.name, path.child('name'), errs);
  const apiGroup = str(s.apiGroup, path.child('apiGroup'), errs);
  const namespace = str(s.namespace, path.child('namespace'), errs);
  if (!name) errs.push(required(path.child('name')));
  switch (kind) {
    case 'ServiceAccount':
      if (name) errs.push(...invalidEach(path.child('name'), name, dns1123SubdomainErrors(name)));
      if (apiGroup) errs.push(notSupported(path.child('apiGroup'), apiGroup, ['']));
      if (!namespaced && !namespace) errs.push(required(path.child('namespace')));
      break;
    case 'User':
    case 'Group':
      if (apiGroup !== RBAC_GROUP) errs.push(notSupported(path.child('apiGroup'), apiGroup, [RBAC_GROUP]));
      break;
    default:
      errs.push(notSupported(path.child('kind'), kind, SUBJECT_KINDS));
  }
}

function validateBinding(binding: RoleBinding | ClusterRoleBinding, roleKinds: string[], namespaced: boolean, errs: FieldErrors): void {
  const refPath = FieldPath.root('roleRef');
  const ref = obj(binding.roleRef, refPath, errs);
  const apiGroup = str(ref.apiGroup, refPath.child('apiGroup'), errs);
  const kind = str(ref.kind, refPath.child('kind'), errs);
  const name = str(ref.name, refPath.child('name'), errs);
  if (apiGroup !== RBAC_GROUP) errs.push(notSupported(refPath.child('apiGroup'), apiGroup, [RBAC_GROUP]));
  if (!roleKinds.includes(kind)) errs.push(notSupported(refPath.child('kind'), kind, roleKinds));
  if (!name) errs.push(required(refPath.child('name')));
  else errs.push(...invalidEach(refPath.child('name'), name, pathSegmentNameErrors(name)));
  const subjectsPath = FieldPath.root('subjects');
  arr(binding.subjects, subjectsPath, errs).forEach((s, i) => validateSubject(s, namespaced, subjectsPath.index(i), errs));
}

export function validateRoleBinding(binding: RoleBinding, errs: FieldErrors): void {
  validateBinding(binding, ['Role', 'ClusterRole'], true, errs);
}

export function validateClusterRoleBinding(binding: ClusterRoleBinding, errs: FieldErrors): void {
  validateBinding(binding, ['ClusterRole'], false, errs);
}

/** What a binding grants is fixed at creation: a different role is a new binding (delete, then create). */
export function validateRoleRefUpdate(next: RoleBinding | ClusterRoleBinding, prev: RoleBinding | ClusterRoleBinding, errs: FieldErrors): void {
  if (deepEqual(next.roleRef, prev.roleRef)) return;
  // Kubernetes shows the new reference as Go prints the struct, which is what users search for.
  const r = (next.roleRef ?? {}) as Partial<Record<'apiGroup' | 'kind' | 'name', unknown>>;
  const q = (v: unknown) => JSON.stringify(typeof v === 'string' ? v : '');
  errs.push({ reason: 'FieldValueInvalid', field: 'roleRef', message: `Invalid value: rbac.RoleRef{APIGroup:${q(r.apiGroup)}, Kind:${q(r.kind)}, Name:${q(r.name)}}: cannot change roleRef` });
}
