import { WEBHOOK_EVENTS, type KubeObject, type WebhookEvent } from '@skiff/apimachinery';

/** Annotations the git watcher and the node lifecycle controller put on the Events they record. */
export const EVENT_ANNOTATIONS = {
  event: 'skiff.dev/event',
  application: 'skiff.dev/application',
  revision: 'skiff.dev/revision',
  commitMessage: 'skiff.dev/commit-message',
  commitAuthor: 'skiff.dev/commit-author',
  rolloutProgress: 'skiff.dev/rollout-progress',
  /** Set by the API server alone, on Events written by admins and Skiff's components: only those are delivered. */
  verified: 'skiff.dev/notification-verified',
} as const;

/** The stream of node events: Nodes are cluster-wide, so they form one stream per Webhook. */
export const NODES_STREAM = 'nodes';

export interface WebhookSpec {
  url: string;
  events?: string[];
  applications?: string[];
  secretRef?: { name: string; key: string };
  timeoutSeconds?: number;
}

/**
 * Per stream, what has been delivered. `resourceVersion` is the last delivered Event's: Events
 * are never updated after they are recorded, and the store hands out resourceVersions in commit
 * order (docs/adr/002), so "pending" is every matching Event above it. `failing` counts the
 * failed tries of the Event at the head of the stream.
 */
export interface StreamCursor {
  resourceVersion?: string;
  failing?: { deliveryId: string; attempts: number };
}

/**
 * A delivery stream is one Webhook and one Application (or the Webhook and all Nodes): deliveries
 * within a stream are in order, one at a time, and a failure holds back the rest of its stream
 * only. Its queue key is `<webhook ns>/<webhook name>|<stream>`, so the runner's `namespace/name`
 * parsing gives the Webhook's namespace and `<webhook name>|<stream>` as the name.
 */
export function streamKey(hookNamespace: string, hookName: string, stream: string): string {
  return `${hookNamespace}/${hookName}|${stream}`;
}

/** `name` as the runner parsed it from a key: a bare Webhook name, or `<webhook name>|<stream>`. */
export function parseStreamName(name: string): { hook: string; stream?: string } {
  const bar = name.indexOf('|');
  return bar < 0 ? { hook: name } : { hook: name.slice(0, bar), stream: name.slice(bar + 1) };
}

/** The webhook event an Event is, when the API server verified who wrote it (a forged one is stored, never delivered). */
export function eventType(event: KubeObject): WebhookEvent | undefined {
  if (event.metadata.annotations?.[EVENT_ANNOTATIONS.verified] !== 'true') return undefined;
  const t = event.metadata.annotations?.[EVENT_ANNOTATIONS.event];
  return t && (WEBHOOK_EVENTS as readonly string[]).includes(t) ? (t as WebhookEvent) : undefined;
}

/** The Application an event is about, as `{namespace, name}`; undefined for node events. */
export function applicationOf(event: KubeObject): { namespace: string; name: string } | undefined {
  const ann = event.metadata.annotations?.[EVENT_ANNOTATIONS.application];
  if (ann) {
    const slash = ann.indexOf('/');
    if (slash > 0) return { namespace: ann.slice(0, slash), name: ann.slice(slash + 1) };
  }
  const involved = event.involvedObject as { kind?: string; name?: string; namespace?: string } | undefined;
  if (involved?.kind === 'Application' && involved.name) return { namespace: involved.namespace ?? event.metadata.namespace ?? 'default', name: involved.name };
  return undefined;
}

/** The stream an event belongs to: `<app ns>/<app name>`, or `nodes`; undefined if none. */
export function streamOf(event: KubeObject): string | undefined {
  const type = eventType(event);
  if (!type) return undefined;
  if (type === 'node.notready') return NODES_STREAM;
  const app = applicationOf(event);
  return app ? `${app.namespace}/${app.name}` : undefined;
}

/**
 * Whether `hook` wants `event`: the type is in spec.events (or spec.events is unset); an
 * Application event must be about an Application in the Webhook's namespace named in
 * spec.applications (or any); node.notready goes to Webhooks in every namespace that do not
 * narrow themselves to Applications. Events recorded before the Webhook existed are not its
 * business: a new Webhook does not replay history. (creationTimestamp has whole seconds, so an
 * Event from the Webhook's very second counts as newer.)
 */
export function subscribes(hook: KubeObject, event: KubeObject): boolean {
  const type = eventType(event);
  if (!type) return false;
  const spec = (hook.spec ?? {}) as Partial<WebhookSpec>;
  if (spec.events && !spec.events.includes(type)) return false;
  const created = hook.metadata.creationTimestamp;
  const at = event.metadata.creationTimestamp;
  if (created && at && Date.parse(at) < Date.parse(created)) return false;
  if (type === 'node.notready') return !spec.applications;
  const app = applicationOf(event);
  if (!app || app.namespace !== hook.metadata.namespace) return false;
  return !spec.applications || spec.applications.includes(app.name);
}

export function cursorsOf(hook: KubeObject): Record<string, StreamCursor> {
  return ((hook.status as { streams?: Record<string, StreamCursor> } | undefined)?.streams) ?? {};
}

/**
 * The events of one stream `hook` has yet to receive, oldest first (by resourceVersion: the
 * order they were recorded in).
 */
export function pendingEvents(hook: KubeObject, stream: string, events: readonly KubeObject[]): KubeObject[] {
  const cursor = cursorsOf(hook)[stream];
  const after = cursor?.resourceVersion ? BigInt(cursor.resourceVersion) : -1n;
  return events
    .filter((e) => streamOf(e) === stream && BigInt(e.metadata.resourceVersion ?? '0') > after && subscribes(hook, e))
    .sort((a, b) => compareVersions(a.metadata.resourceVersion!, b.metadata.resourceVersion!));
}

/** Every stream of `hook` with an event pending. */
export function pendingStreams(hook: KubeObject, events: readonly KubeObject[]): string[] {
  const cursors = cursorsOf(hook);
  const streams = new Set<string>();
  for (const e of events) {
    const stream = streamOf(e);
    if (!stream || streams.has(stream)) continue;
    const cursor = cursors[stream];
    if (cursor?.resourceVersion && BigInt(e.metadata.resourceVersion ?? '0') <= BigInt(cursor.resourceVersion)) continue;
    if (subscribes(hook, e)) streams.add(stream);
  }
  return [...streams].sort();
}

function compareVersions(a: string, b: string): number {
  const d = BigInt(a) - BigInt(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}
