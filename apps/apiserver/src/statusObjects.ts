import { redactCredentials, RESOURCE_TYPES, type KubeObject, type Kind } from '@skiff/apimachinery';

/** The kinds the status page shows, in the order its snapshot lists them. */
export const STATUS_KINDS = ['Application', 'Deployment', 'ReplicaSet', 'Pod', 'Service', 'Endpoints', 'ConfigMap', 'Node', 'Event', 'Webhook'] as const;

export const STATUS_TYPES: readonly Kind[] = STATUS_KINDS.map((kind) => {
  const t = RESOURCE_TYPES.find((r) => r.kind === kind);
  if (!t) throw new Error(`status page kind ${kind} is not served`);
  return t;
});

/** Annotations longer than this (last-applied-configuration, revision histories) stay on the server. */
const MAX_ANNOTATION = 256;
const DROPPED_ANNOTATIONS = new Set(['kubectl.kubernetes.io/last-applied-configuration']);

type Obj = Record<string, any>;

/** The one label the page reads: it names an object's Application. */
const APP_LABEL = 'skiff.dev/application';

/**
 * What the page reads of metadata: name, namespace, generation, deletion, its Application's label,
 * short annotations and owners by kind and name. No uid or resourceVersion (the page keys objects
 * by kind, namespace and name), no creation time but an Event's (its time when it has no other):
 * 10,000 pods' metadata is most of a snapshot.
 */
function compactMetadata(kind: string, m: Obj): Obj {
  const out: Obj = { name: m.name };
  if (m.namespace) out.namespace = m.namespace;
  for (const f of ['generation', 'deletionTimestamp', ...(kind === 'Event' ? ['creationTimestamp'] : [])]) if (m[f] !== undefined) out[f] = m[f];
  if (m.labels?.[APP_LABEL] !== undefined) out.labels = { [APP_LABEL]: m.labels[APP_LABEL] };
  if (m.annotations) {
    const kept = Object.entries(m.annotations as Record<string, string>).filter(([k, v]) => !DROPPED_ANNOTATIONS.has(k) && String(v).length <= MAX_ANNOTATION);
    if (kept.length) out.annotations = Object.fromEntries(kept);
  }
  if (m.ownerReferences) out.ownerReferences = (m.ownerReferences as Obj[]).map((r) => ({ kind: r.kind, name: r.name, ...(r.controller ? { controller: true } : {}) }));
  return out;
}

function compactPod(spec: Obj = {}, status: Obj = {}): { spec: Obj; status: Obj } {
  return {
    spec: {
      nodeName: spec.nodeName,
      containers: ((spec.containers ?? []) as Obj[]).map((c) => ({ name: c.name, ...(c.resources?.requests ? { resources: { requests: c.resources.requests } } : {}) })),
    },
    status: {
      phase: status.phase,
      reason: status.reason,
      podIP: status.podIP,
      conditions: ((status.conditions ?? []) as Obj[]).filter((c) => c.type === 'Ready').map((c) => ({ type: c.type, status: c.status })),
      containerStatuses: ((status.containerStatuses ?? []) as Obj[]).map((c) => ({
        name: c.name,
        ready: c.ready,
        restartCount: c.restartCount ?? 0,
        ...(c.state?.waiting ? { state: { waiting: { reason: c.state.waiting.reason } } } : {}),
      })),
    },
  };
}

/**
 * What the status page gets of an object: no managedFields or long annotations; for Pods only the
 * fields it shows (phase, readiness, restarts, node, IP, requests), for Deployments the template's
 * images but not its commands, for ConfigMaps no data. With 1,000 pods the snapshot stays small.
 */
export function compactForStatus(obj: KubeObject): KubeObject {
  const { apiVersion, kind, metadata, spec, status, ...rest } = obj as KubeObject & Obj;
  const out: Obj = { apiVersion, kind, metadata: compactMetadata(kind, metadata ?? {}) };
  switch (kind) {
    case 'Pod':
      Object.assign(out, compactPod(spec, status));
      break;
    case 'Deployment':
      out.spec = {
        replicas: spec?.replicas,
        strategy: spec?.strategy,
        template: { spec: { containers: ((spec?.template?.spec?.containers ?? []) as Obj[]).map((c) => ({ name: c.name, image: c.image })) } },
      };
      out.status = status;
      break;
    case 'ReplicaSet':
      out.spec = { replicas: spec?.replicas };
      out.status = status;
      break;
    case 'ConfigMap':
      break;
    case 'Event':
      Object.assign(out, compactEvent(rest));
      break;
    case 'Application':
      out.spec = applicationSpecWithoutCredentials(spec);
      if (status !== undefined) out.status = compactApplicationStatus(status);
      break;
    default:
      if (spec !== undefined) out.spec = spec;
      if (status !== undefined) out.status = status;
      // Endpoints' subsets, Events' reason/message/involvedObject/...: kept whole.
      Object.assign(out, rest);
  }
  return out as KubeObject;
}

/**
 * An Event as the page lists it: type, reason, message, the object it is about (kind and name),
 * count and time. Not its source, reporting component or the object's uid and version: a busy
 * cluster keeps thousands of Events, a third of a snapshot when whole.
 */
function compactEvent(e: Obj): Obj {
  const out: Obj = {};
  for (const f of ['type', 'reason', 'message', 'note', 'count', 'lastTimestamp', 'eventTime']) if (e[f] !== undefined && e[f] !== null) out[f] = e[f];
  if (out.lastTimestamp === undefined && out.eventTime === undefined && e.firstTimestamp) out.firstTimestamp = e.firstTimestamp;
  for (const f of ['involvedObject', 'regarding']) if (e[f]) out[f] = { kind: e[f].kind, name: e[f].name };
  return out;
}

/**
 * An Application's status as the page shows it: sync, health, the operation's phase and message,
 * its resources (kind, name, sync, health) and deploy history (with each entry's diff). Not the
 * operation's per-resource sync result, conditions or resources' field diffs: with 1,000
 * Applications those were most of a snapshot.
 */
function compactApplicationStatus(status: Obj): Obj {
  const out: Obj = {};
  if (status.sync) out.sync = status.sync;
  if (status.health) out.health = status.health;
  const op = status.operationState;
  if (op) out.operationState = { phase: op.phase, message: op.message, revision: op.revision };
  if (Array.isArray(status.resources)) {
    out.resources = (status.resources as Obj[]).map((r) => ({ group: r.group, kind: r.kind, namespace: r.namespace, name: r.name, status: r.status, ...(r.health ? { health: { status: r.health.status } } : {}) }));
  }
  if (Array.isArray(status.history)) {
    out.history = (status.history as Obj[]).map((h) => ({ id: h.id, revision: h.revision, message: h.message, author: h.author, deployedAt: h.deployedAt, ...(h.changes ? { changes: h.changes } : {}) }));
  }
  return out;
}

/** The page shows where an Application's manifests come from, never the credentials a repoURL may hold. */
function applicationSpecWithoutCredentials(spec: Obj | undefined): Obj | undefined {
  if (!spec) return spec;
  const source = (s: Obj) => (typeof s?.repoURL === 'string' ? { ...s, repoURL: redactCredentials(s.repoURL) } : s);
  return { ...spec, ...(spec.source ? { source: source(spec.source) } : {}), ...(Array.isArray(spec.sources) ? { sources: spec.sources.map(source) } : {}) };
}
