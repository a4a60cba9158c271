import { InvalidError, NotFoundError, type KubeObject } from '@skiff/apimachinery';
import { TerminalError, type ReconcileContext } from '@skiff/controller-runtime';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { asKubeObject } from '../common/kubeTypes.js';
import { ownerReferenceTo } from '../common/ownership.js';
import { PODS } from '../resources.js';
import { daemonPodTemplate, nodeNameAffinity } from './daemonPods.js';

/** Kubernetes' burstReplicas: the most pods one pass creates or deletes. */
const BURST = 250;

/** The daemon pod for one node: the template, pinned to the node by affinity, controlled by the DaemonSet. */
export function daemonPodFor(ds: DaemonSet, owner: KubeObject, node: string, hash: string): Pod {
  const template = daemonPodTemplate(ds, hash);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...template.metadata, generateName: `${ds.metadata?.name}-`, namespace: ds.metadata?.namespace, ownerReferences: [ownerReferenceTo(owner)] },
    spec: { ...template.spec!, affinity: nodeNameAffinity(template.spec?.affinity, node) },
  };
}

/**
 * Deletes, then creates in slow-start batches (1, 2, 4, ...), so a template the API server
 * rejects costs one request, not one per node. A rejection cannot succeed until the DaemonSet
 * changes (which queues it again), so it ends the pass as a TerminalError.
 */
export async function syncNodes(ds: DaemonSet, owner: KubeObject, toDelete: readonly Pod[], nodes: readonly string[], hash: string, ctx: ReconcileContext): Promise<void> {
  await Promise.all(
    toDelete.slice(0, BURST).map(async (p) => {
      try {
        await ctx.client.delete(PODS, p.metadata?.namespace, p.metadata!.name!, { preconditions: { uid: p.metadata?.uid } });
        void ctx.events.record(owner, 'Normal', 'SuccessfulDelete', `Deleted pod: ${p.metadata?.name}`);
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
    }),
  );
  const pending = nodes.slice(0, BURST);
  for (let batch = 1, done = 0; done < pending.length; done += batch, batch *= 2) {
    const slice = pending.slice(done, done + batch);
    const results = await Promise.allSettled(slice.map((node) => ctx.client.create(PODS, asKubeObject(daemonPodFor(ds, owner, node, hash)))));
    for (const r of results) {
      if (r.status === 'fulfilled') void ctx.events.record(owner, 'Normal', 'SuccessfulCreate', `Created pod: ${r.value.metadata.name}`);
    }
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      const err = failed.reason as Error;
      await ctx.events.record(owner, 'Warning', 'FailedCreate', `Error creating: ${err.message}`);
      if (err instanceof InvalidError) throw new TerminalError(`pods "${ds.metadata?.name}-" is invalid: ${err.message}`);
      throw err;
    }
  }
}
