/**
 * The vocabulary of Skiff's own `skiff.dev/v1alpha1` kinds, shared by validation, the API server's
 * git webhook and the controllers that write these objects' status.
 */

/** Setting this annotation on an Application asks the git watcher to fetch its repository now. */
export const REFRESH_ANNOTATION = 'skiff.dev/refresh';

export const SYNC_STATUSES = ['Synced', 'OutOfSync', 'Unknown'] as const;
export const HEALTH_STATUSES = ['Healthy', 'Progressing', 'Degraded', 'Suspended', 'Missing', 'Unknown'] as const;
export const OPERATION_PHASES = ['Running', 'Succeeded', 'Failed', 'Error'] as const;

/** What a Webhook may subscribe to; a Webhook without `spec.events` gets all of them. */
export const WEBHOOK_EVENTS = [
  'sync.succeeded',
  'sync.failed',
  'health.degraded',
  'health.healthy',
  'rollout.started',
  'rollout.completed',
  'rollout.failed',
  'drift.corrected',
  'node.notready',
] as const;

export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
