import type { ServiceAccount } from 'kubernetes-types/core/v1.js';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding, Subject } from 'kubernetes-types/rbac/v1.js';
import { SERVICE_ACCOUNT_MESSAGE } from '../protobuf/message.js';
import { CLUSTER_ROLE_MESSAGE, ROLE_BINDING_MESSAGE, ROLE_MESSAGE } from '../protobuf/rbac.js';
import { resourceType } from '../resources.js';
import { clusterRoleBindingPrinter, roleBindingPrinter, rolePrinter, serviceAccountPrinter } from '../tables/rbac.js';
import { RBAC_GROUP, validateClusterRole, validateClusterRoleBinding, validateRole, validateRoleBinding, validateRoleRefUpdate } from '../validation/rbac.js';
import { defineKind } from './kind.js';
import { builtinOpenApi } from './openapi/openApiSchemas.js';

// Who is who (ServiceAccount, core v1) and the rbac.authorization.k8s.io/v1 kinds. They are stored
// and served as kube-apiserver serves them; no request is authorized by them yet (issue 12).

export const SERVICE_ACCOUNT = defineKind<ServiceAccount>({
  ...resourceType('', 'v1', 'serviceaccounts', 'ServiceAccount', true, { shortNames: ['sa'], subresources: ['token'] }),
  openApi: builtinOpenApi('V1ServiceAccount'),
  printer: serviceAccountPrinter,
  lists: { secrets: { mergeKey: 'name', strategy: 'merge' } },
  protobuf: SERVICE_ACCOUNT_MESSAGE,
});

/** SetDefaults_Subject: Users and Groups are rbac.authorization.k8s.io's, ServiceAccounts the core group's. */
function defaultSubjects(subjects: Subject[] | undefined): void {
  for (const s of subjects ?? []) {
    if (!s || typeof s !== 'object' || s.apiGroup) continue;
    if (s.kind === 'User' || s.kind === 'Group') s.apiGroup = RBAC_GROUP;
  }
}

/** SetDefaults_RoleBinding / _ClusterRoleBinding: a roleRef without a group names an RBAC role. */
function defaultBinding(binding: RoleBinding | ClusterRoleBinding): void {
  if (binding.roleRef && typeof binding.roleRef === 'object' && !binding.roleRef.apiGroup) binding.roleRef.apiGroup = RBAC_GROUP;
  if (Array.isArray(binding.subjects)) defaultSubjects(binding.subjects);
}

export const ROLE = defineKind<Role>({
  ...resourceType(RBAC_GROUP, 'v1', 'roles', 'Role', true),
  openApi: builtinOpenApi('V1Role'),
  validate: validateRole,
  printer: rolePrinter,
  protobuf: ROLE_MESSAGE,
});

export const CLUSTER_ROLE = defineKind<ClusterRole>({
  ...resourceType(RBAC_GROUP, 'v1', 'clusterroles', 'ClusterRole', false),
  openApi: builtinOpenApi('V1ClusterRole'),
  validate: validateClusterRole,
  printer: rolePrinter,
  protobuf: CLUSTER_ROLE_MESSAGE,
});

export const ROLE_BINDING = defineKind<RoleBinding>({
  ...resourceType(RBAC_GROUP, 'v1', 'rolebindings', 'RoleBinding', true),
  openApi: builtinOpenApi('V1RoleBinding'),
  defaults: defaultBinding,
  validate: validateRoleBinding,
  validateUpdate: validateRoleRefUpdate,
  printer: roleBindingPrinter,
  protobuf: ROLE_BINDING_MESSAGE,
});

export const CLUSTER_ROLE_BINDING = defineKind<ClusterRoleBinding>({
  ...resourceType(RBAC_GROUP, 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false),
  openApi: builtinOpenApi('V1ClusterRoleBinding'),
  defaults: defaultBinding,
  validate: validateClusterRoleBinding,
  validateUpdate: validateRoleRefUpdate,
  printer: clusterRoleBindingPrinter,
  protobuf: ROLE_BINDING_MESSAGE,
});
