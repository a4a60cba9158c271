import { AlreadyExistsError, shape, type KubeObject } from '@skiff/apimachinery';
import type { ReconcileContext } from '@skiff/controller-runtime';
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { asKubeObject } from '../common/kubeTypes.js';
import { nextRevision, type ControllerRevisionObject } from '../history/controllerHistory.js';
import { deleteControllerRevision, listControllerRevisions, updateControllerRevision } from '../history/revisionHistory.js';
import { CONTROLLER_REVISION_HASH } from './daemonPods.js';
import { matchesRevision, newRevision, revisionsToClean, revisionToKeep } from './history.js';
import { CONTROLLERREVISIONS, DAEMONSETS, PODS } from '../resources.js';

export interface DaemonSetHistory {
  /** The revision of the current template; its hash labels the pods made from it. */
  current: ControllerRevision;
  old: ControllerRevisionObject[];
}

/**
 * Kubernetes' constructHistory: claims the DaemonSet's ControllerRevisions (adopting orphans its
 * selector matches), finds the one for the current template or records it, keeps one of
 * duplicates (relabelling pods onto it), and gives the current one the newest revision number, so
 * a rollback to an old template makes that old revision the newest again.
 */
export async function constructHistory(ds: DaemonSet, owner: KubeObject, pods: readonly Pod[], ctx: ReconcileContext): Promise<DaemonSetHistory> {
  const revisions = (await listControllerRevisions(ctx.client, owner, ds.spec?.selector)).filter((r) => !r.metadata.deletionTimestamp);
  const current = revisions.filter((r) => matchesRevision(ds, r));
  const old = revisions.filter((r) => !matchesRevision(ds, r));
  const next = nextRevision(old);
  if (current.length === 0) return { current: await snapshot(ds, next, ctx), old };

  const keep = revisionToKeep(current) as ControllerRevisionObject;
  if (current.length > 1) await dedupRevisions(keep, current, pods, ctx);
  return { current: await updateControllerRevision(ctx.client, keep, Math.max(keep.revision, next)), old };
}

/**
 * Records the current template. A same-named revision with another template is a hash collision:
 * the DaemonSet's collisionCount goes up (changing the hash) and the pass is retried.
 */
async function snapshot(ds: DaemonSet, revision: number, ctx: ReconcileContext): Promise<ControllerRevision> {
  const wanted = newRevision(ds, revision);
  try {
    return shape<ControllerRevision>(await ctx.client.create(CONTROLLERREVISIONS, asKubeObject(wanted)));
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
    const ns = ds.metadata?.namespace;
    const existing = shape<ControllerRevision>(await ctx.client.get(CONTROLLERREVISIONS, ns, wanted.metadata!.name!));
    if (matchesRevision(ds, existing)) return existing;
    const fresh = await ctx.client.get(DAEMONSETS, ns, ds.metadata!.name!);
    const freshStatus = shape<DaemonSet>(fresh).status;
    if ((freshStatus?.collisionCount ?? 0) !== (ds.status?.collisionCount ?? 0)) {
      throw new Error(`found a stale collision count of DaemonSet "${ds.metadata?.name}"; retrying once it is updated`);
    }
    await ctx.client.updateStatus(DAEMONSETS, { ...fresh, status: { ...freshStatus, collisionCount: (freshStatus?.collisionCount ?? 0) + 1 } });
    throw err;
  }
}

async function dedupRevisions(keep: ControllerRevisionObject, current: readonly ControllerRevisionObject[], pods: readonly Pod[], ctx: ReconcileContext): Promise<void> {
  const hash = keep.metadata?.labels?.[CONTROLLER_REVISION_HASH] ?? '';
  for (const pod of pods) {
    if (pod.metadata?.labels?.[CONTROLLER_REVISION_HASH] === hash) continue;
    await ctx.client.patch(PODS, pod.metadata?.namespace, pod.metadata!.name!, { metadata: { labels: { [CONTROLLER_REVISION_HASH]: hash } } });
  }
  for (const r of current) {
    if (r.metadata.name !== keep.metadata.name) await deleteControllerRevision(ctx.client, r);
  }
}

/** Kubernetes' cleanupHistory: old revisions past revisionHistoryLimit that no pod runs. */
export async function cleanupHistory(ds: DaemonSet, old: readonly ControllerRevisionObject[], pods: readonly Pod[], ctx: ReconcileContext): Promise<void> {
  for (const r of revisionsToClean(old, ds.spec?.revisionHistoryLimit ?? 10, pods)) await deleteControllerRevision(ctx.client, r as ControllerRevisionObject);
}
