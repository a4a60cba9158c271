import type { ClusterRole, ClusterRoleBinding, PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { componentUser, SKIFF_COMPONENTS, type SkiffComponent } from '@skiff/apimachinery';

/**
 * The default RBAC policy kube-apiserver reconciles at every start (its bootstrap policy), limited
 * to the kinds Skiff serves: the user-facing roles (cluster-admin; admin, edit and view built by
 * aggregation from the system:aggregate-to-* roles) and what every authenticated user may do
 * (discovery, the self reviews, the public info paths).
 */

export const AUTOUPDATE_ANNOTATION = 'rbac.authorization.kubernetes.io/autoupdate';
export const AGGREGATE_TO = (role: 'admin' | 'edit' | 'view') => `rbac.authorization.k8s.io/aggregate-to-${role}`;

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const READ_WRITE = [...READ, ...WRITE];

const rule = (verbs: string[], apiGroups: string[], resources: string[]): PolicyRule => ({ verbs, apiGroups, resources });
const urls = (verbs: string[], nonResourceURLs: string[]): PolicyRule => ({ verbs, nonResourceURLs });

function clusterRole(name: string, rules: PolicyRule[], extra: Partial<ClusterRole> = {}, labels: Record<string, string> = {}): ClusterRole {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name, labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults', ...labels }, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } },
    rules,
    ...extra,
  };
}

function aggregated(name: string, role: 'admin' | 'edit' | 'view', labels: Record<string, string> = {}): ClusterRole {
  return clusterRole(name, [], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [AGGREGATE_TO(role)]: 'true' } }] } }, labels);
}

export function bootstrapClusterRoles(): ClusterRole[] {
  return [
    clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
    aggregated('admin', 'admin'),
    aggregated('edit', 'edit', { [AGGREGATE_TO('admin')]: 'true' }),
    aggregated('view', 'view', { [AGGREGATE_TO('edit')]: 'true' }),
    clusterRole(
      'system:aggregate-to-admin',
      [rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']), rule(READ_WRITE, ['rbac.authorization.k8s.io'], ['roles', 'rolebindings'])],
      {},
      { [AGGREGATE_TO('admin')]: 'true' },
    ),
    clusterRole(
      'system:aggregate-to-edit',
      [
        // Reading secrets and entering pods is as good as what they hold: edit, not view.
        rule(READ, [''], ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy']),
        rule(['impersonate'], [''], ['serviceaccounts']),
        rule(WRITE, [''], ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
        rule(['create'], [''], ['pods/eviction']),
        rule(WRITE, [''], ['replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/proxy', 'persistentvolumeclaims', 'configmaps', 'secrets', 'events']),
        rule(['create'], [''], ['serviceaccounts/token']),
        rule(WRITE, ['apps'], ['statefulsets', 'statefulsets/scale', 'daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'replicasets', 'replicasets/scale']),
        rule(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
        rule(WRITE, ['batch'], ['jobs', 'cronjobs']),
        rule(WRITE, ['policy'], ['poddisruptionbudgets']),
        rule(WRITE, ['networking.k8s.io'], ['networkpolicies', 'ingresses']),
        rule(READ_WRITE, ['coordination.k8s.io'], ['leases']),
      ],
      {},
      { [AGGREGATE_TO('edit')]: 'true' },
    ),
    clusterRole(
      'system:aggregate-to-view',
      [
        rule(READ, [''], ['pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'configmaps']),
        rule(READ, [''], ['limitranges', 'resourcequotas', 'bindings', 'events', 'pods/status', 'resourcequotas/status', 'namespaces/status', 'replicationcontrollers/status', 'pods/log']),
        // Reading namespaces inside one means reading that one: it tells a user where they have access.
        rule(READ, [''], ['namespaces']),
        rule(READ, ['discovery.k8s.io'], ['endpointslices']),
        rule(READ, ['apps'], ['controllerrevisions', 'statefulsets', 'statefulsets/status', 'statefulsets/scale', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/status', 'deployments/scale', 'replicasets', 'replicasets/status', 'replicasets/scale']),
        rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
        rule(READ, ['batch'], ['jobs', 'cronjobs', 'cronjobs/status', 'jobs/status']),
        rule(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
        rule(READ, ['networking.k8s.io'], ['networkpolicies', 'ingresses', 'ingresses/status']),
      ],
      {},
      { [AGGREGATE_TO('view')]: 'true' },
    ),
    clusterRole('system:basic-user', [rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']), rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews'])]),
    clusterRole('system:discovery', [urls(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'])]),
    clusterRole('system:public-info-viewer', [urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])]),
    ...componentRoles(),
  ];
}


const EVENTS_WRITE = [rule(['create', 'patch', 'update'], [''], ['events']), rule(['create', 'patch', 'update'], ['events.k8s.io'], ['events'])];

/**
 * What each of Skiff's own processes does and no more, as kube-scheduler's and
 * kube-controller-manager's bootstrap roles are cut: a ClusterRole per component, bound to its user.
 */
const COMPONENT_RULES: Record<SkiffComponent, PolicyRule[]> = {
  // The garbage collector and the namespace controller read, change and delete objects of every
  // kind (as Kubernetes' own do); what it creates is the controllers' products. No impersonate,
  // escalate or bind: it grants nothing.
  'controller-manager': [
    rule([...READ, 'patch', 'update', 'delete', 'deletecollection'], ['*'], ['*']),
    rule(['create'], [''], ['pods', 'pods/eviction', 'endpoints', 'persistentvolumes', 'persistentvolumeclaims', 'serviceaccounts', 'configmaps']),
    rule(['create'], ['apps'], ['replicasets', 'controllerrevisions']),
    rule(['create'], ['batch'], ['jobs']),
    rule(['create'], ['discovery.k8s.io'], ['endpointslices']),
    rule(['create'], ['coordination.k8s.io'], ['leases']),
    ...EVENTS_WRITE,
  ],
  scheduler: [
    rule(READ, [''], ['pods', 'nodes', 'namespaces', 'services', 'replicationcontrollers', 'persistentvolumes', 'persistentvolumeclaims']),
    rule(READ, ['apps'], ['replicasets', 'statefulsets']),
    rule(READ, ['policy'], ['poddisruptionbudgets']),
    rule(READ, ['storage.k8s.io'], ['storageclasses', 'csinodes', 'csidrivers', 'csistoragecapacities']),
    rule(['create'], [''], ['pods/binding', 'bindings', 'pods/eviction']),
    rule(['patch', 'update'], [''], ['pods/status', 'persistentvolumes', 'persistentvolumeclaims']),
    rule(['delete'], [''], ['pods']),
    rule(['create', 'get', 'update'], ['coordination.k8s.io'], ['leases']),
    ...EVENTS_WRITE,
  ],
  // Argo CD's application controller holds `*` on everything: an argoproj.io Application applies as
  // the controller itself (ADR 014), and skiff.dev ones through the ServiceAccounts it impersonates.
  'git-watcher': [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])],
  notifier: [
    rule(READ, [''], ['events']),
    rule(READ, ['skiff.dev'], ['webhooks']),
    rule(['patch', 'update'], ['skiff.dev'], ['webhooks/status']),
    // A webhook's signing secret, read by name.
    rule(['get'], [''], ['secrets']),
    ...EVENTS_WRITE,
  ],
  proxy: [
    rule(READ, [''], ['services', 'endpoints', 'pods', 'nodes', 'namespaces']),
    rule(READ, ['discovery.k8s.io'], ['endpointslices']),
    rule(READ, ['networking.k8s.io'], ['ingresses', 'ingressclasses']),
    // TLS certificates of Ingresses, as an ingress controller needs them.
    rule(READ, [''], ['secrets']),
    rule(['patch', 'update'], [''], ['services/status']),
    rule(['patch', 'update'], ['networking.k8s.io'], ['ingresses/status']),
    ...EVENTS_WRITE,
  ],
  // kwok-style nodes in one process (`skiff up --simulated-nodes`): what kubelets do for many
  // Nodes at once, with one watch of all pods instead of one per node, and removing its Nodes at exit.
  'simulated-nodes': [
    rule([...READ, 'create', 'update', 'patch', 'delete'], [''], ['nodes']),
    rule(['patch', 'update'], [''], ['nodes/status']),
    rule(['get', 'create', 'update', 'patch', 'delete'], ['coordination.k8s.io'], ['leases']),
    rule([...READ, 'delete'], [''], ['pods']),
    rule(['patch', 'update'], [''], ['pods/status']),
    ...EVENTS_WRITE,
  ],
};

function componentRoles(): ClusterRole[] {
  return SKIFF_COMPONENTS.map((c) => clusterRole(componentUser(c), COMPONENT_RULES[c]));
}

function binding(name: string, role: string, groups: string[], users: string[] = []): ClusterRoleBinding {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name, labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, annotations: { [AUTOUPDATE_ANNOTATION]: 'true' } },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: [...groups.map((g) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: g })), ...users.map((u) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: u }))],
  };
}

export function bootstrapClusterRoleBindings(): ClusterRoleBinding[] {
  return [
    binding('cluster-admin', 'cluster-admin', ['system:masters']),
    binding('system:basic-user', 'system:basic-user', ['system:authenticated']),
    binding('system:discovery', 'system:discovery', ['system:authenticated']),
    binding('system:public-info-viewer', 'system:public-info-viewer', ['system:authenticated', 'system:unauthenticated']),
    ...SKIFF_COMPONENTS.map((c) => binding(componentUser(c), componentUser(c), [], [componentUser(c)])),
  ];
}
