import type { KubeObject } from '@skiff/apimachinery';
import { desiredReplicas, maxSurge } from './fenceposts.js';
import { DESIRED_REPLICAS, MAX_REPLICAS, NOT_COPIED, REVISION, REVISION_HISTORY, revisionOf, specReplicas, statusOf } from './replicaSets.js';

/** Kubernetes caps the revision-history annotation at this many characters. */
const MAX_HISTORY_CHARS = 2000;

/**
 * The annotations a ReplicaSet should carry as the Deployment's current set: the Deployment's
 * own (change-cause and the like), the new revision, and the revisions it served before, so
 * `rollout undo` to an old template moves that old ReplicaSet to the top revision.
 * Example: RS at revision 1, Deployment at revisions 1..3, undo to 1 -> revision 4, history "1".
 */
export function newReplicaSetAnnotations(d: KubeObject, rs: KubeObject, newRevision: number): Record<string, string> {
  const out: Record<string, string> = { ...(rs.metadata.annotations ?? {}) };
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (!NOT_COPIED.has(k)) out[k] = v;
  const old = revisionOf(rs);
  if (old < newRevision) {
    out[REVISION] = String(newRevision);
    if (old > 0) {
      const history = [...(out[REVISION_HISTORY] ? out[REVISION_HISTORY].split(',') : []), String(old)];
      while (history.join(',').length > MAX_HISTORY_CHARS) history.shift();
      out[REVISION_HISTORY] = history.join(',');
    }
  }
  return out;
}

/** The replica annotations a ReplicaSet gets whenever the Deployment sizes it. */
export function replicaAnnotations(d: KubeObject): Record<string, string> {
  return { [DESIRED_REPLICAS]: String(desiredReplicas(d)), [MAX_REPLICAS]: String(desiredReplicas(d) + maxSurge(d)) };
}

/**
 * Old ReplicaSets past revisionHistoryLimit, oldest revision first, that are empty and settled
 * (a set still shrinking, or whose status is behind its spec, is kept for now).
 */
export function replicaSetsToClean(d: KubeObject, oldRSs: readonly KubeObject[]): KubeObject[] {
  const limit = (d.spec as { revisionHistoryLimit?: number } | undefined)?.revisionHistoryLimit;
  if (limit === undefined) return [];
  const alive = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
  const excess = alive.length - limit;
  if (excess <= 0) return [];
  return [...alive]
    .sort((a, b) => revisionOf(a) - revisionOf(b) || (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? ''))
    .slice(0, excess)
    .filter((rs) => specReplicas(rs) === 0 && (statusOf(rs).replicas ?? 0) === 0 && (statusOf(rs).observedGeneration ?? 0) >= (rs.metadata.generation ?? 0));
}

export function annotationsDiffer(current: Record<string, string> | undefined, next: Record<string, string>): boolean {
  const c = current ?? {};
  return Object.entries(next).some(([k, v]) => c[k] !== v);
}
