import type { StreamCursor } from './deliveryStream.js';

/** One delivery attempt, as `kubectl get webhook -o yaml` shows it. */
export interface DeliveryRecord {
  event: string;
  deliveryId: string;
  application?: string;
  statusCode?: number;
  error?: string;
  /** Tries of this event so far, this one included. */
  attempts: number;
  time: string;
}

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
}

export interface WebhookStatus {
  lastDelivery?: DeliveryRecord;
  /** Consecutive failed attempts, over all streams. */
  failures?: number;
  /** The last RECENT_DELIVERIES attempts, newest first. */
  recentDeliveries?: DeliveryRecord[];
  conditions?: Condition[];
  /** Per stream (`<app ns>/<app name>` or `nodes`): what has been delivered. */
  streams?: Record<string, StreamCursor>;
}

export const RECENT_DELIVERIES = 20;

/** How many times the stream's head event has been tried, counting the attempt about to be made. */
export function nextAttempt(status: WebhookStatus, stream: string, deliveryId: string): number {
  const failing = status.streams?.[stream]?.failing;
  return failing?.deliveryId === deliveryId ? failing.attempts + 1 : 1;
}

/**
 * The status after one attempt on `stream`'s head event (resourceVersion `eventVersion`): a
 * success moves the stream's cursor past the event and clears the failure count; a failure
 * keeps the cursor and counts the try. Ready is False while the latest attempt failed.
 */
export function statusAfterAttempt(status: WebhookStatus, stream: string, eventVersion: string, record: DeliveryRecord): WebhookStatus {
  const ok = record.error === undefined;
  const cursor = status.streams?.[stream] ?? {};
  const nextCursor: StreamCursor = ok
    ? { resourceVersion: maxVersion(cursor.resourceVersion, eventVersion) }
    : { ...(cursor.resourceVersion ? { resourceVersion: cursor.resourceVersion } : {}), failing: { deliveryId: record.deliveryId, attempts: record.attempts } };
  const ready: Omit<Condition, 'lastTransitionTime'> = ok
    ? { type: 'Ready', status: 'True', reason: 'Delivered', message: `delivered ${record.event} (${record.deliveryId})` }
    : { type: 'Ready', status: 'False', reason: 'DeliveryFailed', message: `delivering ${record.event} (${record.deliveryId}) failed ${record.attempts} time(s): ${record.error}` };
  return {
    ...status,
    lastDelivery: record,
    failures: ok ? 0 : (status.failures ?? 0) + 1,
    recentDeliveries: [record, ...(status.recentDeliveries ?? [])].slice(0, RECENT_DELIVERIES),
    conditions: setCondition(status.conditions ?? [], ready, record.time),
    streams: { ...(status.streams ?? {}), [stream]: nextCursor },
  };
}

function setCondition(conditions: readonly Condition[], next: Omit<Condition, 'lastTransitionTime'>, now: string): Condition[] {
  const old = conditions.find((c) => c.type === next.type);
  const lastTransitionTime = old && old.status === next.status ? old.lastTransitionTime : now;
  return [...conditions.filter((c) => c.type !== next.type), { ...next, lastTransitionTime }];
}

function maxVersion(a: string | undefined, b: string): string {
  return a !== undefined && BigInt(a) > BigInt(b) ? a : b;
}

