import { randomBytes } from 'node:crypto';
import { groupVersion, NotFoundError, redactCredentials, type KubeObject, type ResourceType } from '@skiff/apimachinery';
import { resourceType, type ApiClient } from '@skiff/kube-client';
import type { Logger } from 'pino';

const EVENTS = resourceType('events');

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** How long a repeated Event is counted on the first one (client-go's correlator: 10 minutes). */
const AGGREGATION_WINDOW_MS = 10 * 60_000;
/** Distinct messages of similar events (same object, type and reason) at which they are combined (client-go's maxEvents: 10). */
const MAX_SIMILAR = 10;
/** Events about one object from one source written at once, then one per SPAM_REFILL_MS (client-go's spam filter: 25, 1 per 5 min). */
const SPAM_BURST = 25;
const SPAM_REFILL_MS = 5 * 60_000;
const MAX_REMEMBERED = 4096;
const COMBINED_PREFIX = '(combined from similar events): ';

interface Counted {
  namespace: string;
  name: string;
  count: number;
  at: number;
}

type RecordedEvent = KubeObject & { involvedObject?: Record<string, unknown>; source?: Record<string, unknown>; reason?: string; message?: string; type?: string };

/** A map that keeps its newest MAX_REMEMBERED entries (a get that should count as use re-sets the key). */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_REMEMBERED) map.delete(map.keys().next().value!);
}

/**
 * Writes Events as client-go's EventCorrelator does, so that a busy or looping component cannot
 * flood the store (a 10,000-replica ReplicaSet made 10,000 SuccessfulCreate Events, a quarter of
 * the writes of rolling it out):
 * - the same event (object, type, reason, message, source) again within 10 minutes is counted on
 *   the Event already written (count, lastTimestamp) instead of stored anew;
 * - similar events (the same but for the message) within 10 minutes are written apart up to the
 *   ninth; from the tenth they are one Event, "(combined from similar events): <the latest
 *   message>", counted the same way;
 * - each source may write 25 Events of a type (Normal, Warning) about one object at once, then one
 *   every 5 minutes; the rest are dropped (as client-go's spam filter does).
 * An Event that expired (or was deleted) meanwhile is written anew.
 */
export class EventAggregator {
  private readonly counted = new Map<string, Counted>();
  /** The distinct messages (the last few) seen per similar-events key (object, type, reason, source), and when last. */
  private readonly similar = new Map<string, { messages: Set<string>; at: number }>();
  /** Spam filter buckets per source and object. */
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly client: ApiClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async write(event: RecordedEvent): Promise<void> {
    const o = event.involvedObject ?? {};
    const at = this.now().getTime();
    // Keys start with the object's uid: `forget` finds them by it.
    const object = [o.uid, o.kind, o.namespace, o.name, o.apiVersion];
    const source = [event.source?.component, event.source?.host];
    const similarKey = JSON.stringify([...object, event.type, event.reason, ...source]);
    let key = JSON.stringify([...object, o.fieldPath, event.type, event.reason, event.message, ...source]);
    let similar = this.similar.get(similarKey);
    if (!similar || at - similar.at >= AGGREGATION_WINDOW_MS) similar = { messages: new Set(), at };
    similar.messages.add(event.message ?? '');
    similar.at = at;
    remember(this.similar, similarKey, similar);
    if (similar.messages.size >= MAX_SIMILAR) {
      // Bounded: only the count matters from here on.
      similar.messages.delete(similar.messages.values().next().value!);
      key = similarKey;
      event = { ...event, message: `${COMBINED_PREFIX}${event.message ?? ''}` };
    }
    if (!this.allowed(JSON.stringify([...object, event.type, ...source]), at)) return;

    const hit = this.counted.get(key);
    this.counted.delete(key);
    if (hit && at - hit.at < AGGREGATION_WINDOW_MS) {
      hit.count++;
      hit.at = at;
      try {
        await this.client.patch(EVENTS, hit.namespace, hit.name, { count: hit.count, lastTimestamp: rfc3339(new Date(at)), message: event.message }, 'merge');
        remember(this.counted, key, hit);
        return;
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
    }
    const created = await this.client.create(EVENTS, event);
    // The oldest first (a hit moves to the end): the memory stays bounded.
    remember(this.counted, key, { namespace: created.metadata.namespace!, name: created.metadata.name!, count: (created as { count?: number }).count ?? 1, at });
  }

  /** Takes a token from the source's bucket for the object: false when it has none (the event is dropped). */
  private allowed(key: string, at: number): boolean {
    const bucket = this.buckets.get(key) ?? { tokens: SPAM_BURST, at };
    bucket.tokens = Math.min(SPAM_BURST, bucket.tokens + (at - bucket.at) / SPAM_REFILL_MS);
    bucket.at = at;
    remember(this.buckets, key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Forgets the events of an object that is gone (by uid). */
  forget(uid: string): void {
    const prefix = `[${JSON.stringify(uid)},`;
    for (const map of [this.counted, this.similar, this.buckets]) for (const key of map.keys()) if (key.startsWith(prefix)) map.delete(key);
  }
}

/**
 * Records Kubernetes Events (`kubectl describe`, `kubectl get events`) for what a component did,
 * repeated ones counted on one Event. Recording never fails the caller: a lost event is logged, not thrown.
 */
export class EventRecorder {
  private readonly aggregator: EventAggregator;

  constructor(
    private readonly client: ApiClient,
    private readonly component: string,
    private readonly log: Logger,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.aggregator = new EventAggregator(client, now);
  }

  /** `annotations` carry machine-readable details (Flux's event metadata), e.g. the revision. */
  async record(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, text: string, annotations?: Record<string, string>): Promise<void> {
    // Messages may quote a repository URL; an Event (and the webhook it becomes) never holds its credentials.
    const message = redactCredentials(text);
    const at = rfc3339(this.now());
    const namespace = obj.metadata.namespace ?? 'default';
    const event: KubeObject = {
      apiVersion: 'v1',
      kind: 'Event',
      // The object's name is cut so that name + '.' + 16 hex digits fits a DNS subdomain (253).
      metadata: { name: `${(obj.metadata.name ?? '').slice(0, 236)}.${randomBytes(8).toString('hex')}`, namespace, ...(annotations ? { annotations } : {}) },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name,
        namespace: obj.metadata.namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
      },
      reason,
      message,
      type,
      source: { component: this.component },
      reportingComponent: this.component,
      reportingInstance: this.component,
      firstTimestamp: at,
      lastTimestamp: at,
      count: 1,
    };
    this.log.info({ key: `${obj.kind}/${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${obj.metadata.name}`, reason, type }, message);
    try {
      // An Event with annotations is a notification (each one is delivered): never counted on another.
      if (annotations) await this.client.create(EVENTS, event);
      else await this.aggregator.write(event);
    } catch (err) {
      this.log.warn({ err: (err as Error).message, reason }, 'recording an event failed');
    }
  }
}

export function typeOfObject(obj: KubeObject, types: readonly ResourceType[]): ResourceType | undefined {
  return types.find((t) => groupVersion(t) === obj.apiVersion && t.kind === obj.kind);
}
