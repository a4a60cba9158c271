import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { deepEqual } from '@skiff/apimachinery';
import { podTemplateHash } from '../deployment/replicaSets.js';
import { CONTROLLER_REVISION_HASH } from './daemonPods.js';

/**
 * A DaemonSet's history is a ControllerRevision per template it has run. Its data is the patch
 * that puts that template back (`kubectl rollout undo` applies it as a strategic merge patch), so
 * a revision matches a DaemonSet exactly when the patch equals the one the DaemonSet would make.
 */
export function revisionData(ds: DaemonSet): { spec: { template: Record<string, unknown> } } {
  return { spec: { template: { ...structuredClone(ds.spec?.template ?? {}), $patch: 'replace' } } };
}

export function matchesRevision(ds: DaemonSet, revision: ControllerRevision): boolean {
  return deepEqual(revisionData(ds), revision.data);
}

/** `<daemonset>-<hash of the template and collision count>`, as the revision's name and pods' label. */
export function revisionHash(ds: DaemonSet): string {
  return podTemplateHash(ds.spec?.template ?? {}, ds.status?.collisionCount);
}

/** The revision a DaemonSet would record for its current template. */
export function newRevision(ds: DaemonSet, revision: number): ControllerRevision {
  const hash = revisionHash(ds);
  return {
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name: `${ds.metadata?.name}-${hash}`,
      namespace: ds.metadata?.namespace,
      labels: { ...(ds.spec?.template?.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH]: hash },
      ...(ds.metadata?.annotations ? { annotations: { ...ds.metadata.annotations } } : {}),
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: ds.metadata?.name ?? '', uid: ds.metadata?.uid ?? '', controller: true, blockOwnerDeletion: true }],
    },
    data: revisionData(ds),
    revision,
  };
}

/** Of several revisions matching the template, the one kept: the highest revision (the last of equals). */
export function revisionToKeep(current: readonly ControllerRevision[]): ControllerRevision {
  return current.reduce((keep, r) => (r.revision >= keep.revision ? r : keep), current[0]);
}

/**
 * Old revisions past revisionHistoryLimit, oldest revision first, skipping any a live pod still
 * runs (cleanupHistory). Example: limit 1, old revisions 1, 2, 3 and a pod on revision 1 -> delete 2.
 */
export function revisionsToClean(old: readonly ControllerRevision[], limit: number, pods: readonly Pod[]): ControllerRevision[] {
  let excess = old.length - limit;
  if (excess <= 0) return [];
  const live = new Set(pods.map((p) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH]).filter((h) => !!h));
  const out: ControllerRevision[] = [];
  for (const r of [...old].sort((a, b) => a.revision - b.revision)) {
    if (excess <= 0) break;
    if (live.has(r.metadata?.labels?.[CONTROLLER_REVISION_HASH])) continue;
    out.push(r);
    excess--;
  }
  return out;
}
