import type { WebhookEvent } from './gitops.js';
import { NODE_GROUP } from './tokens.js';

/**
 * Skiff's own processes. Each has its own user, `system:skiff:<name>` (a token `skiff up` writes
 * to DIR/components/<name>.token), bound to a bootstrap ClusterRole of the same name.
 */
export const SKIFF_COMPONENTS = ['controller-manager', 'scheduler', 'git-watcher', 'notifier', 'proxy', 'simulated-nodes'] as const;
export type SkiffComponent = (typeof SKIFF_COMPONENTS)[number];

/**
 * Groups a component's user is in besides system:authenticated. The simulated nodes speak for
 * nodes: in system:nodes their heartbeats share the nodes' priority level (as kubelets' do under
 * Kubernetes' system-nodes FlowSchema) instead of queueing behind the controllers', each node's
 * requests in a flow of their own, as each kubelet's are. Their user is not `system:node:<name>`,
 * so the node authorizer does not limit them to one node: RBAC does.
 */
export const COMPONENT_GROUPS: Partial<Record<SkiffComponent, string[]>> = { 'simulated-nodes': [NODE_GROUP] };

export const COMPONENT_USER_PREFIX = 'system:skiff:';
export const componentUser = (component: SkiffComponent): string => `${COMPONENT_USER_PREFIX}${component}`;

/** The one component whose Events of each type the notifier delivers. */
export const NOTIFICATION_SENDER: Record<WebhookEvent, SkiffComponent> = {
  'sync.succeeded': 'git-watcher',
  'sync.failed': 'git-watcher',
  'health.degraded': 'git-watcher',
  'health.healthy': 'git-watcher',
  'rollout.started': 'git-watcher',
  'rollout.completed': 'git-watcher',
  'rollout.failed': 'git-watcher',
  'drift.corrected': 'git-watcher',
  'node.notready': 'controller-manager',
};
