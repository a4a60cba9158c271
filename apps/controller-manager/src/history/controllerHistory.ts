import type { KubeObject } from '@skiff/apimachinery';
import type { ControllerRevision } from 'kubernetes-types/apps/v1.js';
import { ownerReferenceTo } from '../common/ownership.js';

/**
 * Kubernetes' controller history (pkg/controller/history): the pure half. A ControllerRevision is
 * an immutable snapshot of a parent's template (StatefulSet, DaemonSet) named `<parent>-<hash>`;
 * parents roll back by finding an equal snapshot and giving it the next revision number.
 */

export type ControllerRevisionObject = KubeObject & ControllerRevision;

/** The label carrying a revision's hash (the DaemonSet copies it onto its pods). */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller.kubernetes.io/hash';

/** Longest prefix a revision name keeps, so `<prefix>-<hash>` fits a 253-character name. */
const MAX_PREFIX_LENGTH = 223;

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** Kubernetes' rand.SafeEncodeString: each character mapped onto an alphabet without vowels. */
export function safeEncodeString(s: string): string {
  return Array.from(s, (c) => SAFE_ALPHABET[c.charCodeAt(0) % SAFE_ALPHABET.length]).join('');
}

/** FNV-1 (not 1a), 32 bit, as Go's hash/fnv New32 that Kubernetes hashes revisions with. */
function fnv1(bytes: Uint8Array, h = 0x811c9dc5): number {
  for (const byte of bytes) {
    h = Math.imul(h, 0x01000193) >>> 0;
    h = (h ^ byte) >>> 0;
  }
  return h;
}

/**
 * The data as bytes: JSON with object keys sorted, which is what Go's json.Marshal of a map gives,
 * so equal data always has equal bytes whatever order a client wrote the keys in.
 */
export function canonicalData(data: unknown): string {
  return JSON.stringify(sortKeys(data ?? null));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value as Record<string, unknown>).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/**
 * HashControllerRevision: FNV-1 of the data, then of the collision count's decimal digits when
 * one is given, safe-encoded. Bumping the collision count gives a new name for the same data.
 */
export function hashControllerRevision(data: unknown, collisionCount?: number): string {
  let h = fnv1(Buffer.from(canonicalData(data), 'utf8'));
  if (collisionCount !== undefined) h = fnv1(Buffer.from(String(collisionCount), 'utf8'), h);
  return safeEncodeString(String(h));
}

/** `<prefix>-<hash>`, the prefix cut to 223 characters. */
export function controllerRevisionName(prefix: string, hash: string): string {
  return `${prefix.slice(0, MAX_PREFIX_LENGTH)}-${hash}`;
}

/**
 * NewControllerRevision: a revision of `parent` holding `data`, labelled with the template's labels
 * (so the parent's selector finds it) and its hash, controlled by the parent.
 */
export function newControllerRevision(parent: KubeObject, templateLabels: Record<string, string> | undefined, data: unknown, revision: number, collisionCount?: number): ControllerRevisionObject {
  const hash = hashControllerRevision(data, collisionCount);
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: controllerRevisionName(parent.metadata.name!, hash),
      namespace: parent.metadata.namespace,
      labels: { ...(templateLabels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
      ownerReferences: [ownerReferenceTo(parent)],
    },
    data: structuredClone(data) as ControllerRevision['data'],
    revision,
  };
}

/** The revision's hash label (what a DaemonSet's pods carry). */
export function revisionHash(rev: ControllerRevisionObject): string | undefined {
  return rev.metadata.labels?.[CONTROLLER_REVISION_HASH_LABEL];
}

/** EqualRevision: the same data (hash labels, when both are numbers, must agree too). */
export function equalRevision(a: ControllerRevisionObject, b: ControllerRevisionObject): boolean {
  return canonicalData(a.data) === canonicalData(b.data);
}

/** FindEqualRevisions, in the order given. */
export function findEqualRevisions(revisions: readonly ControllerRevisionObject[], needle: ControllerRevisionObject): ControllerRevisionObject[] {
  return revisions.filter((r) => equalRevision(r, needle));
}

/** SortControllerRevisions: by revision number, then creation time, then name. */
export function sortRevisions(revisions: readonly ControllerRevisionObject[]): ControllerRevisionObject[] {
  return [...revisions].sort(
    (a, b) =>
      (a.revision ?? 0) - (b.revision ?? 0) ||
      (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') ||
      (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
  );
}

/** NextRevision: one more than the highest (1 for an empty history). */
export function nextRevision(revisions: readonly ControllerRevisionObject[]): number {
  return revisions.reduce((m, r) => Math.max(m, r.revision ?? 0), 0) + 1;
}

/**
 * The update revision a parent should use, given its sorted history and a freshly built `candidate`
 * (getStatefulSetRevisions / constructHistory):
 * - the newest revision already equals it: keep that one ("unchanged");
 * - an older one equals it: a rollback, that revision takes the candidate's number ("bump");
 * - none does: create the candidate ("create").
 * Example: history r1(A) r2(B), template A again -> bump r1 to revision 3.
 */
export type UpdateRevisionPlan =
  | { action: 'unchanged'; revision: ControllerRevisionObject }
  | { action: 'bump'; revision: ControllerRevisionObject; to: number }
  | { action: 'create'; revision: ControllerRevisionObject };

export function planUpdateRevision(sorted: readonly ControllerRevisionObject[], candidate: ControllerRevisionObject): UpdateRevisionPlan {
  const equal = findEqualRevisions(sorted, candidate);
  const latest = sorted[sorted.length - 1];
  const lastEqual = equal[equal.length - 1];
  if (lastEqual && latest && equalRevision(latest, lastEqual)) return { action: 'unchanged', revision: latest };
  if (lastEqual) return { action: 'bump', revision: lastEqual, to: candidate.revision };
  return { action: 'create', revision: candidate };
}

/**
 * Revisions to delete so that at most `limit` revisions that are not live remain, oldest first.
 * Live: the parent's current and update revisions and any a pod still runs (`live` names).
 * Example: limit 1, history r1 r2 r3 r4 with r4 current and r2 on a pod -> delete r1 (r3 stays).
 */
export function revisionsToTruncate(sorted: readonly ControllerRevisionObject[], live: ReadonlySet<string>, limit: number): ControllerRevisionObject[] {
  const history = sorted.filter((r) => !live.has(r.metadata.name!));
  const excess = history.length - Math.max(0, limit);
  return excess > 0 ? history.slice(0, excess) : [];
}
