import type { Kind, KubeObject } from '@skiff/apimachinery';
import type { Principal } from './auth.js';

/** Asks the notifier to deliver an Event to webhooks (the event type). */
const NOTIFICATION = 'skiff.dev/event';
/**
 * Set by the API server alone, on an Event written by whom may send notifications: admins and
 * Skiff's own components. The notifier delivers nothing else, so a node or a user who may create
 * Events cannot have the notifier sign and deliver a forged one.
 */
export const NOTIFICATION_VERIFIED = 'skiff.dev/notification-verified';

function maySendNotifications(p: Principal): boolean {
  return p.groups.includes('system:masters') || p.name.startsWith('system:skiff:');
}

/** The Event as it is stored: a client's own `notification-verified` is dropped, the server's set when the writer may notify. */
export function stampNotification(p: Principal, kind: Kind, obj: KubeObject): KubeObject {
  if (kind.resource !== 'events' || !obj?.metadata) return obj;
  const annotations = { ...(obj.metadata.annotations ?? {}) };
  const claimed = NOTIFICATION_VERIFIED in annotations;
  delete annotations[NOTIFICATION_VERIFIED];
  const verified = NOTIFICATION in annotations && maySendNotifications(p);
  if (!claimed && !verified) return obj;
  if (verified) annotations[NOTIFICATION_VERIFIED] = 'true';
  return { ...obj, metadata: { ...obj.metadata, annotations } };
}
