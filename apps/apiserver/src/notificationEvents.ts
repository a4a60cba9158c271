import { componentUser, NOTIFICATION_SENDER, WEBHOOK_EVENTS, type Kind, type KubeObject, type WebhookEvent } from '@skiff/apimachinery';
import type { Principal } from './auth.js';

/** Asks the notifier to deliver an Event to webhooks (the event type). */
const NOTIFICATION = 'skiff.dev/event';
/**
 * Set by the API server alone, on an Event written by whom may send that notification: an admin,
 * or the one Skiff component that owns the event type (the git watcher for sync events). The
 * notifier delivers nothing else, so a node, a user, or another component that may create Events
 * cannot have the notifier sign and deliver a forged one.
 */
export const NOTIFICATION_VERIFIED = 'skiff.dev/notification-verified';

function maySend(p: Principal, type: string): boolean {
  if (p.groups.includes('system:masters')) return true;
  return (WEBHOOK_EVENTS as readonly string[]).includes(type) && p.name === componentUser(NOTIFICATION_SENDER[type as WebhookEvent]);
}

/** The Event as it is stored: a client's own `notification-verified` is dropped, the server's set when the writer may notify. */
export function stampNotification(p: Principal, kind: Kind, obj: KubeObject): KubeObject {
  if (kind.resource !== 'events' || !obj?.metadata) return obj;
  const annotations = { ...(obj.metadata.annotations ?? {}) };
  const claimed = NOTIFICATION_VERIFIED in annotations;
  delete annotations[NOTIFICATION_VERIFIED];
  const verified = NOTIFICATION in annotations && maySend(p, annotations[NOTIFICATION]!);
  if (!claimed && !verified) return obj;
  if (verified) annotations[NOTIFICATION_VERIFIED] = 'true';
  return { ...obj, metadata: { ...obj.metadata, annotations } };
}
