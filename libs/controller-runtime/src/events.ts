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
const MAX_REMEMBERED = 4096;

interface Counted {
  namespace: string;
  name: string;
  count: number;
  at: number;
}

/**
 * Writes Events as client-go's correlator does: the same event (object, type, reason, message,
 * source) again within the window is counted on the Event already written (count, lastTimestamp)
 * instead of stored anew, so a loop that repeats itself does not flood the store. An Event that
 * expired (or was deleted) meanwhile is written anew.
 */
export class EventAggregator {
  private readonly counted = new Map<string, Counted>();

  constructor(
    private readonly client: ApiClient,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async write(event: KubeObject & { involvedObject?: Record<string, unknown>; source?: Record<string, unknown>; reason?: string; message?: string; type?: string }): Promise<void> {
    const o = event.involvedObject ?? {};
    const key = JSON.stringify([o.uid, o.kind, o.namespace, o.name, o.fieldPath, event.type, event.reason, event.message, event.source?.component, event.source?.host]);
    const at = this.now().getTime();
    const hit = this.counted.get(key);
    this.counted.delete(key);
    if (hit && at - hit.at < AGGREGATION_WINDOW_MS) {
      hit.count++;
      hit.at = at;
      try {
        await this.client.patch(EVENTS, hit.namespace, hit.name, { count: hit.count, lastTimestamp: rfc3339(new Date(at)) }, 'merge');
        this.counted.set(key, hit);
        return;
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
    }
    const created = await this.client.create(EVENTS, event);
    this.counted.set(key, { namespace: created.metadata.namespace!, name: created.metadata.name!, count: (created as { count?: number }).count ?? 1, at });
    // The oldest first (a hit moves to the end): the memory stays bounded.
    if (this.counted.size > MAX_REMEMBERED) this.counted.delete(this.counted.keys().next().value!);
  }

  /** Forgets the events of an object that is gone (by uid). */
  forget(uid: string): void {
    for (const key of this.counted.keys()) if (key.startsWith(`[${JSON.stringify(uid)},`)) this.counted.delete(key);
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
