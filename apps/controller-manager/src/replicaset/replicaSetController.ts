import { InvalidError, NotFoundError, selectorFromLabelSelector, selectorToString, type KubeObject, type LabelSelector, type ResourceType } from '@skiff/apimachinery';
import { refKey, TerminalError, type Controller, type ObjectRef, type ReconcileContext, type ReconcileResult } from '@skiff/controller-runtime';
import { isPodActive } from '../common/pods.js';
import { applyClaim, ownerReferenceTo, planClaim } from '../common/ownership.js';
import { PODS, REPLICASETS } from '../resources.js';
import { podsToDelete } from './podsToDelete.js';
import { computeReplicaSetStatus, sameReplicaSetStatus } from './replicaSetStatus.js';

/** Kubernetes' burstReplicas: the most pods one pass creates or deletes. */
export const BURST_REPLICAS = 500;

/**
 * What the replica logic needs to know of a kind that keeps N pods: its name, its type, and how
 * to read its selector. ReplicaSets and ReplicationControllers differ only there (Kubernetes runs
 * its ReplicaSet controller for ReplicationControllers through such an adapter).
 */
export interface ReplicaKind {
  name: string;
  type: ResourceType;
  selector(owner: KubeObject): LabelSelector;
}

export const REPLICA_SET_KIND: ReplicaKind = {
  name: 'replicaset',
  type: REPLICASETS,
  selector: (rs) => selectorFromLabelSelector((rs.spec as { selector?: never } | undefined)?.selector),
};

/** How long a pass waits for the cache to show the pods it created or deleted. */
const CACHE_CATCH_UP_MS = 30_000;

/**
 * ReplicaSet controller: keeps `spec.replicas` active pods matching the selector, adopting
 * orphans and releasing pods whose labels no longer match, and reports replicas, ready and
 * available counts. Pods come from the informer's cache by index (the set's own pods, and the
 * namespace's orphans), not from a LIST of every matching pod each pass: at 10,000 pods that
 * LIST was most of the pass. A pass right after a create must see the pods it made, or it would
 * make them twice, so a pass that creates or deletes waits until the cache shows its writes (the
 * job Kubernetes' ControllerExpectations do); if the cache does not catch up in time, the set's
 * next pass reads the API instead.
 */
export function replicaSetController(): Controller {
  return replicaController(REPLICA_SET_KIND);
}

/** The ReplicaSet controller for any kind that keeps N pods. */
export function replicaController(kind: ReplicaKind): Controller {
  const readFromApi = new Set<string>();
  return {
    name: kind.name,
    for: kind.type,
    owns: [PODS],
    concurrency: 8,
    reconcile: (ref, ctx) => reconcileReplicas(kind, ref, ctx, readFromApi),
  };
}

/**
 * The pods a pass may claim: from the cache (the set's own, and orphans in its namespace), or
 * from the API when the cache missed the set's last writes.
 */
async function candidatePods(rs: KubeObject, selector: LabelSelector, ctx: ReconcileContext, fromApi: boolean): Promise<KubeObject[]> {
  const owned = ctx.byIndex(PODS, 'controller', rs.metadata.uid!);
  if (!fromApi) return [...owned, ...ctx.byIndex(PODS, 'orphans', rs.metadata.namespace ?? '')];
  const matching = (await ctx.client.list(PODS, { namespace: rs.metadata.namespace, labelSelector: selectorToString(selector) })).items;
  // Pods this set controls whose labels changed are not in the list above; the cache finds them.
  const listed = new Set(matching.map((m) => m.metadata.uid));
  return [...matching, ...owned.filter((p) => !listed.has(p.metadata.uid))];
}

/** Waits until the cache has every pod created (`created`), or none of them active (deleted). */
function cacheShows(ctx: ReconcileContext, written: KubeObject[], created: boolean): Promise<boolean> {
  const pending = new Map(written.map((p) => [p.metadata.uid!, p]));
  return ctx.waitForCache(
    PODS,
    () => {
      for (const [uid, p] of pending) {
        const cached = ctx.cached(PODS, { namespace: p.metadata.namespace, name: p.metadata.name! });
        const seen = created ? cached?.metadata.uid === uid : cached?.metadata.uid !== uid || !!cached.metadata.deletionTimestamp;
        if (!seen) return false;
        pending.delete(uid);
      }
      return true;
    },
    CACHE_CATCH_UP_MS,
  );
}

export async function reconcileReplicas(kind: ReplicaKind, ref: ObjectRef, ctx: ReconcileContext, readFromApi = new Set<string>()): Promise<ReconcileResult | void> {
  const rs = await ctx.client.getIfExists(kind.type, ref.namespace, ref.name);
  if (!rs) return;
  const spec = (rs.spec ?? {}) as { replicas?: number };
  const selector = kind.selector(rs);
  const key = refKey(ref);
  const claim = planClaim(rs, selector, await candidatePods(rs, selector, ctx, readFromApi.delete(key)));
  const adopted = await applyClaim(ctx.client, PODS, rs, claim);
  const active = [...claim.owned, ...adopted].filter(isPodActive);

  let failure: CreateFailure | null | undefined;
  if (!rs.metadata.deletionTimestamp) {
    const want = spec.replicas ?? 1;
    const diff = active.length - want;
    const rejected = rejectedTemplate(rs);
    if (diff < 0 && rejected) throw new TerminalError(rejected);
    let written: KubeObject[] = [];
    try {
      if (diff < 0) ({ failure, created: written } = await createPods(rs, Math.min(-diff, BURST_REPLICAS), ctx));
      else if (diff > 0) written = await deletePods(rs, podsToDelete(active, Math.min(diff, BURST_REPLICAS)), ctx);
      else failure = null;
    } catch (err) {
      // Some writes may have gone through without the pass knowing which: the next one reads the API.
      readFromApi.add(key);
      throw err;
    }
    if (written.length && !(await cacheShows(ctx, written, diff < 0))) {
      readFromApi.add(key);
      ctx.log.warn({ pods: written.length }, "the pod cache did not show this pass's writes in time; the next pass reads the API");
    }
  }

  const now = ctx.now();
  const { status, nextAvailableAt } = computeReplicaSetStatus(rs, active, now, failure);
  if (!sameReplicaSetStatus(rs.status, status)) {
    try {
      await ctx.client.updateStatus(kind.type, { ...rs, status });
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
  if (failure?.terminal) {
    throw new TerminalError(failure.message);
  }
  if (nextAvailableAt !== undefined) return { requeueAfterMs: Math.max(0, nextAvailableAt - now.getTime()) + 10 };
}

/**
 * The API server already rejected pods made from this generation's template: trying again
 * cannot succeed until the spec changes (a new generation), so the pass stops at once.
 */
function rejectedTemplate(rs: KubeObject): string | undefined {
  const status = (rs.status ?? {}) as { observedGeneration?: number; conditions?: { type: string; reason?: string; message?: string }[] };
  if (status.observedGeneration !== rs.metadata.generation) return undefined;
  const c = status.conditions?.find((x) => x.type === 'ReplicaFailure' && x.reason === 'FailedCreate');
  return c?.message?.includes(INVALID_MARK) ? c.message : undefined;
}

const INVALID_MARK = '" is invalid: ';

interface CreateFailure {
  reason: string;
  message: string;
  terminal: boolean;
}

/**
 * Creates pods in slow-start batches (1, 2, 4, ...) like Kubernetes, so a template the API
 * server rejects fails after one request, not hundreds. A rejection (Invalid) will not succeed
 * until someone changes the ReplicaSet, which queues it again: it is terminal for this pass.
 */
async function createPods(rs: KubeObject, count: number, ctx: ReconcileContext): Promise<{ failure: CreateFailure | null; created: KubeObject[] }> {
  const created: KubeObject[] = [];
  for (let batch = 1; created.length < count; batch = Math.min(batch * 2, count - created.length)) {
    const size = Math.min(batch, count - created.length);
    const results = await Promise.allSettled(Array.from({ length: size }, () => ctx.client.create(PODS, podFromTemplate(rs))));
    for (const r of results) {
      if (r.status === 'fulfilled') {
        created.push(r.value);
        void ctx.events.record(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${r.value.metadata.name}`);
      }
    }
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      const err = failed.reason as Error;
      const message = err instanceof InvalidError ? `pods "${rs.metadata.name}-${INVALID_MARK}${err.message}` : `pods "${rs.metadata.name}-" could not be created: ${err.message}`;
      await ctx.events.record(rs, 'Warning', 'FailedCreate', `Error creating: ${err.message}`);
      if (err instanceof InvalidError) return { failure: { reason: 'FailedCreate', message, terminal: true }, created };
      throw err;
    }
  }
  return { failure: null, created };
}

async function deletePods(rs: KubeObject, pods: KubeObject[], ctx: ReconcileContext): Promise<KubeObject[]> {
  await Promise.all(
    pods.map(async (p) => {
      try {
        await ctx.client.delete(PODS, p.metadata.namespace, p.metadata.name!, { preconditions: { uid: p.metadata.uid } });
        void ctx.events.record(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata.name}`);
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
    }),
  );
  return pods;
}

/** A pod as the template says, named `<rs>-<5 chars>`, controlled by the ReplicaSet. */
export function podFromTemplate(rs: KubeObject): KubeObject {
  const template = ((rs.spec as { template?: { metadata?: KubeObject['metadata']; spec?: unknown } }).template ?? {}) as { metadata?: KubeObject['metadata']; spec?: unknown };
  const meta = template.metadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${rs.metadata.name}-`,
      namespace: rs.metadata.namespace,
      ...(meta.labels ? { labels: { ...meta.labels } } : {}),
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      ownerReferences: [ownerReferenceTo(rs)],
    },
    spec: structuredClone(template.spec ?? {}),
  };
}
