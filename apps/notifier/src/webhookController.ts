import { ConflictError, createMergePatch, type KubeObject } from '@skiff/apimachinery';
import type { Controller, ObjectRef, ReconcileContext } from '@skiff/controller-runtime';
import { deliveryPayload } from './deliveryPayload.js';
import { applicationOf, eventType, parseStreamName, pendingEvents, pendingStreams, streamOf, subscribes, type WebhookSpec } from './deliveryStream.js';
import type { NotifierMetrics } from './metrics.js';
import { postDelivery, type DeliveryResult } from './postDelivery.js';
import { EVENTS, SECRETS, WEBHOOKS } from './resources.js';
import { nextAttempt, statusAfterAttempt, type DeliveryRecord, type WebhookStatus } from './webhookStatus.js';

export interface WebhookControllerOptions {
  metrics: NotifierMetrics;
  /** Queues a key of this controller (the runner's `enqueue('webhook', ref)`). */
  enqueue(ref: ObjectRef): void;
  /** True once the process is stopping: a stream stops between deliveries (its next run resumes it). */
  stopping?(): boolean;
  concurrency?: number;
  retry?: { baseMs?: number; maxMs?: number; attempts?: number };
}

/** A delivery that failed: thrown so the runner retries the stream with backoff. */
export class DeliveryFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeliveryFailedError';
  }
}

const STATUS_CONFLICT_RETRIES = 10;

/**
 * Delivers recorded Events to Webhooks. Two kinds of key share the queue:
 * - `<ns>/<webhook>` (a Webhook changed, or the resync): queues each of its streams that has an
 *   event pending. This is what makes a restart, or a flushed Redis, lose nothing.
 * - `<ns>/<webhook>|<stream>`: delivers that stream's pending events oldest first, one at a
 *   time, and throws at the first failure, so the runner retries it with backoff and no later
 *   event of the stream overtakes it.
 *
 * Why per-stream cursors in the Webhook's status rather than a "delivered" annotation on each
 * Event: a delivery and its record are then ONE write (the status patch that also appends to
 * recentDeliveries), Events stay exactly as recorded (their resourceVersion keeps the order
 * they were recorded in, which annotating them for one Webhook would scramble for the others),
 * and deleting a Webhook leaves nothing behind. The window in which a crash repeats a delivery
 * is the status patch after a 2xx; receivers dedupe on X-Skiff-Delivery (the Event's uid).
 */
export function webhookController(opts: WebhookControllerOptions): Controller {
  return {
    name: 'webhook',
    for: WEBHOOKS,
    concurrency: opts.concurrency ?? 8,
    retry: opts.retry,
    watches: [
      {
        type: EVENTS,
        map: (event, ctx) => {
          const stream = streamOf(event);
          if (!stream) return [];
          return ctx
            .cache(WEBHOOKS)
            .filter((hook) => subscribes(hook, event))
            .map((hook) => ({ namespace: hook.metadata.namespace, name: `${hook.metadata.name}|${stream}` }));
        },
      },
    ],
    async reconcile(ref, ctx) {
      const { hook, stream } = parseStreamName(ref.name);
      if (stream === undefined) return queuePendingStreams(ref.namespace!, hook, ctx, opts);
      return deliverStream(ref.namespace!, hook, stream, ctx, opts);
    },
  };
}

function queuePendingStreams(namespace: string, name: string, ctx: ReconcileContext, opts: WebhookControllerOptions): void {
  const hook = ctx.cache(WEBHOOKS).find((h) => h.metadata.namespace === namespace && h.metadata.name === name);
  if (!hook || hook.metadata.deletionTimestamp) return;
  for (const stream of pendingStreams(hook, ctx.cache(EVENTS))) opts.enqueue({ namespace, name: `${name}|${stream}` });
}

async function deliverStream(namespace: string, name: string, stream: string, ctx: ReconcileContext, opts: WebhookControllerOptions): Promise<void> {
  // The cursor is read from the API, never the cache: a stale cursor would deliver again. The
  // events come from the cache: one not seen yet wakes this stream when it arrives.
  let hook = await ctx.client.get(WEBHOOKS, namespace, name);
  if (hook.metadata.deletionTimestamp) return;
  const pending = pendingEvents(hook, stream, ctx.cache(EVENTS));
  if (pending.length === 0) return;
  const spec = hook.spec as WebhookSpec;
  const secret = spec.secretRef ? await readSecret(ctx, namespace, spec.secretRef) : undefined;
  const webhook = `${namespace}/${name}`;

  for (const event of pending) {
    // The runner's stop waits for running reconciles: a long stream must not hold it up. The
    // cursor says where to resume, and the next process's resync queues the stream again.
    if (opts.stopping?.()) return;
    const type = eventType(event)!;
    const deliveryId = event.metadata.uid!;
    const attempt = nextAttempt(statusOf(hook), stream, deliveryId);
    const started = performance.now();
    let result: DeliveryResult;
    if (secret && !secret.ok) {
      result = { ok: false, error: secret.error };
    } else {
      result = await postDelivery({
        url: spec.url,
        body: Buffer.from(JSON.stringify(deliveryPayload(event))),
        deliveryId,
        event: type,
        secret: secret?.value,
        timeoutMs: (spec.timeoutSeconds ?? 10) * 1000,
      });
    }
    const seconds = (performance.now() - started) / 1000;
    opts.metrics.deliveries.inc({ result: result.ok ? 'success' : 'failure' });
    opts.metrics.duration.observe(seconds);
    const line = { webhook, stream, event: type, deliveryId, statusCode: result.statusCode, attempt, ms: Math.round(seconds * 1000) };
    if (result.ok) ctx.log.info(line, 'delivered');
    else ctx.log.warn({ ...line, err: result.error }, 'delivery failed');

    const app = applicationOf(event);
    const record: DeliveryRecord = {
      event: type,
      deliveryId,
      ...(app ? { application: `${app.namespace}/${app.name}` } : {}),
      ...(result.statusCode !== undefined ? { statusCode: result.statusCode } : {}),
      ...(result.ok ? {} : { error: result.error }),
      attempts: attempt,
      time: rfc3339(ctx.now()),
    };
    hook = await writeAttempt(ctx, hook, stream, event.metadata.resourceVersion!, record);
    if (!result.ok) throw new DeliveryFailedError(`delivering ${type} (${deliveryId}) failed: ${result.error}`);
  }
}

/**
 * Records one attempt on the Webhook's status: a merge patch of what changed, with the
 * resourceVersion read as a precondition, because every stream of the Webhook appends to the
 * same recentDeliveries and counts the same failures. On a conflict: read again, recompute.
 */
async function writeAttempt(ctx: ReconcileContext, hook: KubeObject, stream: string, eventVersion: string, record: DeliveryRecord): Promise<KubeObject> {
  for (let i = 0; ; i++) {
    const before = statusOf(hook);
    const patch = createMergePatch(before, statusAfterAttempt(before, stream, eventVersion, record));
    if (patch === undefined) return hook;
    try {
      return await ctx.client.patch(WEBHOOKS, hook.metadata.namespace, hook.metadata.name!, { metadata: { resourceVersion: hook.metadata.resourceVersion }, status: patch }, 'merge', { subresource: 'status' });
    } catch (err) {
      if (!(err instanceof ConflictError) || i >= STATUS_CONFLICT_RETRIES) throw err;
      hook = await ctx.client.get(WEBHOOKS, hook.metadata.namespace, hook.metadata.name!);
    }
  }
}

type SecretValue = { ok: true; value: Uint8Array } | { ok: false; error: string };

/** A missing Secret or key is a failed delivery (retried: it may be created), never a NotFound of the Webhook. */
async function readSecret(ctx: ReconcileContext, namespace: string, ref: { name: string; key: string }): Promise<SecretValue> {
  const secret = await ctx.client.getIfExists(SECRETS, namespace, ref.name);
  if (!secret) return { ok: false, error: `secret ${ref.name} not found` };
  const data = (secret.data ?? {}) as Record<string, string>;
  if (data[ref.key] === undefined) return { ok: false, error: `secret ${ref.name} has no key ${ref.key}` };
  return { ok: true, value: Buffer.from(data[ref.key], 'base64') };
}

function statusOf(hook: KubeObject): WebhookStatus {
  return (hook.status ?? {}) as WebhookStatus;
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
