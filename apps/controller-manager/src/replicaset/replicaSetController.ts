import { InvalidError, NotFoundError, selectorFromLabelSelector, selectorToString, type KubeObject, type LabelSelector, type ResourceType } from '@skiff/apimachinery';
import { TerminalError, type Controller, type ObjectRef, type ReconcileContext, type ReconcileResult } from '@skiff/controller-runtime';
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

/**
 * ReplicaSet controller: keeps `spec.replicas` active pods matching the selector, adopting
 * orphans and releasing pods whose labels no longer match, and reports replicas, ready and
 * available counts. Pods are read from the API, not the cache: a pass right after a create must
 * see the pods it made, or it would make them twice.
 */
export function replicaSetController(): Controller {
  return replicaController(REPLICA_SET_KIND);
}

/** The ReplicaSet controller for any kind that keeps N pods. */
export function replicaController(kind: ReplicaKind): Controller {
  return {
    name: kind.name,
    for: kind.type,
    owns: [PODS],
    concurrency: 8,
    reconcile: (ref, ctx) => reconcileReplicas(kind, ref, ctx),
  };
}

export async function reconcileReplicas(kind: ReplicaKind, ref: ObjectRef, ctx: ReconcileContext): Promise<ReconcileResult | void> {
  const rs = await ctx.client.getIfExists(kind.type, ref.namespace, ref.name);
  if (!rs) return;
  const spec = (rs.spec ?? {}) as { replicas?: number };
  const selector = kind.selector(rs);
  const matching = (await ctx.client.list(PODS, { namespace: ref.namespace, labelSelector: selectorToString(selector) })).items;
  // Pods this set controls whose labels changed are not in the list above; the cache finds them.
  const listed = new Set(matching.map((m) => m.metadata.uid));
  const drifted = ctx.cache(PODS).filter((p) => p.metadata.namespace === ref.namespace && !listed.has(p.metadata.uid));
  const claim = planClaim(rs, selector, [...matching, ...drifted]);
  const adopted = await applyClaim(ctx.client, PODS, rs, claim);
  const active = [...claim.owned, ...adopted].filter(isPodActive);

  let failure: CreateFailure | null | undefined;
  if (!rs.metadata.deletionTimestamp) {
    const want = spec.replicas ?? 1;
    const diff = active.length - want;
    const rejected = rejectedTemplate(rs);
    if (diff < 0 && rejected) throw new TerminalError(rejected);
    if (diff < 0) failure = await createPods(rs, Math.min(-diff, BURST_REPLICAS), ctx);
    else if (diff > 0) await deletePods(rs, podsToDelete(active, Math.min(diff, BURST_REPLICAS)), ctx);
    else failure = null;
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
async function createPods(rs: KubeObject, count: number, ctx: ReconcileContext): Promise<CreateFailure | null> {
  let created = 0;
  for (let batch = 1; created < count; batch = Math.min(batch * 2, count - created)) {
    const size = Math.min(batch, count - created);
    const results = await Promise.allSettled(Array.from({ length: size }, () => ctx.client.create(PODS, podFromTemplate(rs))));
    for (const r of results) {
      if (r.status === 'fulfilled') {
        created++;
        void ctx.events.record(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${r.value.metadata.name}`);
      }
    }
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      const err = failed.reason as Error;
      const message = err instanceof InvalidError ? `pods "${rs.metadata.name}-${INVALID_MARK}${err.message}` : `pods "${rs.metadata.name}-" could not be created: ${err.message}`;
      await ctx.events.record(rs, 'Warning', 'FailedCreate', `Error creating: ${err.message}`);
      if (err instanceof InvalidError) return { reason: 'FailedCreate', message, terminal: true };
      throw err;
    }
  }
  return null;
}

async function deletePods(rs: KubeObject, pods: KubeObject[], ctx: ReconcileContext): Promise<void> {
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
