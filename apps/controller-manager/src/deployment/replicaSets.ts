import type { KubeObject } from '@skiff/apimachinery';

export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
export const POD_TEMPLATE_HASH = 'pod-template-hash';
export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** Deployment annotations that are not copied onto its ReplicaSets. */
export const NOT_COPIED = new Set([LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS]);

interface RsSpec {
  replicas?: number;
  minReadySeconds?: number;
  template?: { metadata?: { labels?: Record<string, string> }; spec?: unknown };
}
interface RsStatus {
  replicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  observedGeneration?: number;
}

export function specReplicas(rs: KubeObject): number {
  return ((rs.spec ?? {}) as RsSpec).replicas ?? 0;
}

export function statusOf(rs: KubeObject): RsStatus {
  return (rs.status ?? {}) as RsStatus;
}

/**
 * Available pods a ReplicaSet may be counted on for: never more than it is scaled to, because
 * the pods above that are being deleted even if its status has not caught up yet.
 */
export function availableReplicas(rs: KubeObject): number {
  return Math.min(statusOf(rs).availableReplicas ?? 0, specReplicas(rs));
}

export function revisionOf(obj: KubeObject): number {
  const v = Number(obj.metadata.annotations?.[REVISION]);
  return Number.isFinite(v) ? v : 0;
}

export function maxRevision(rss: readonly KubeObject[]): number {
  return rss.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
}

function created(rs: KubeObject): number {
  return Date.parse(rs.metadata.creationTimestamp ?? '') || 0;
}

/** Oldest first; the name breaks ties so the order is stable. */
export function byCreation(a: KubeObject, b: KubeObject): number {
  return created(a) - created(b) || (a.metadata.name ?? '').localeCompare(b.metadata.name ?? '');
}

/**
 * A template as text, for comparing and hashing: keys sorted, and nulls and empty objects or
 * lists dropped, because clients that encode typed structs (kubectl rollout undo) send
 * `creationTimestamp: null` and `resources: {}` where the stored template has nothing.
 */
function canonical(value: unknown): string {
  return JSON.stringify(prune(value) ?? null);
}

function prune(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    const items = value.map((v) => prune(v) ?? null);
    return items.length ? items : undefined;
  }
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value as Record<string, unknown>).sort()) {
      const v = prune((value as Record<string, unknown>)[k]);
      if (v !== undefined) out[k] = v;
    }
    return Object.keys(out).length ? out : undefined;
  }
  return value;
}

function withoutHashLabel(template: unknown): unknown {
  const t = structuredClone((template ?? {}) as { metadata?: { labels?: Record<string, string> } });
  if (t.metadata?.labels) {
    delete t.metadata.labels[POD_TEMPLATE_HASH];
    if (Object.keys(t.metadata.labels).length === 0) delete t.metadata.labels;
  }
  if (t.metadata && Object.keys(t.metadata).length === 0) delete t.metadata;
  return t;
}

/** Kubernetes' EqualIgnoreHash: the same pod template, whatever the pod-template-hash label says. */
export function templatesEqual(a: unknown, b: unknown): boolean {
  return canonical(withoutHashLabel(a)) === canonical(withoutHashLabel(b));
}

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * The pod-template-hash: FNV-1a (32 bit) of the template, salted with the collision count, its
 * decimal digits mapped onto an alphabet without vowels (no words, no ambiguous characters), as
 * Kubernetes' ComputeHash + SafeEncodeString does.
 */
export function podTemplateHash(template: unknown, collisionCount?: number): string {
  const text = canonical(withoutHashLabel(template)) + (collisionCount ? `#${collisionCount}` : '');
  let h = 0x811c9dc5;
  for (const byte of Buffer.from(text, 'utf8')) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return String(h)
    .split('')
    .map((c) => SAFE_ALPHABET[c.charCodeAt(0) % SAFE_ALPHABET.length])
    .join('');
}

/** The ReplicaSet running the Deployment's template: the oldest one with an equal template. */
export function findNewReplicaSet(template: unknown, rss: readonly KubeObject[]): KubeObject | undefined {
  return [...rss].sort(byCreation).find((rs) => templatesEqual(((rs.spec ?? {}) as RsSpec).template, template));
}

/** Sets with pods (or scaled above zero). */
export function activeReplicaSets(rss: readonly KubeObject[]): KubeObject[] {
  return rss.filter((rs) => specReplicas(rs) > 0);
}

export function sumSpecReplicas(rss: readonly KubeObject[]): number {
  return rss.reduce((n, rs) => n + specReplicas(rs), 0);
}
