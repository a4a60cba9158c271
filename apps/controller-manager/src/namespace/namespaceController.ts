import { deepEqual, type KubeObject } from '@skiff/apimachinery';
import type { Controller, ObjectRef, ReconcileContext, ReconcileResult } from '@skiff/controller-runtime';
import { NAMESPACES } from '../resources.js';
import { contentRemovalEstimate } from './contentRemovalEstimate.js';
import { deleteNamespaceContent, NAMESPACED_TYPES } from './deleteNamespaceContent.js';
import { namespaceDeletionConditions, type NamespaceCondition } from './namespaceDeletionConditions.js';

/** The finalizer in `spec.finalizers` that keeps a namespace until its content is gone. */
export const KUBERNETES_FINALIZER = 'kubernetes';

/**
 * How long a deleted namespace keeps its content before this controller deletes it (Kubernetes
 * waits 5 s): `kubectl delete -f` deletes a file's namespace first and must still find the rest.
 */
export const NAMESPACE_DELETION_DELAY_MS = 1000;

export interface NamespaceControllerOptions {
  deletionDelayMs?: number;
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function specFinalizers(ns: KubeObject): string[] {
  return (ns.spec as { finalizers?: string[] } | undefined)?.finalizers ?? [];
}

/**
 * Finishes the deletion of Terminating namespaces:
 *   not being deleted, or no `kubernetes` finalizer -> nothing;
 *   deleted less than the delay ago                -> look again when the delay is over;
 *   content left                                   -> delete it, report it in the status conditions, look again;
 *   empty                                          -> remove `kubernetes` from spec.finalizers; the API server then removes the namespace.
 */
export function namespaceController(opts: NamespaceControllerOptions = {}): Controller {
  const delayMs = opts.deletionDelayMs ?? NAMESPACE_DELETION_DELAY_MS;
  return {
    name: 'namespace',
    for: NAMESPACES,
    // A change to an object in a Terminating namespace (its deletion, a finalizer removed) wakes the namespace.
    watches: NAMESPACED_TYPES.map((type) => ({
      type,
      map: (obj, ctx): ObjectRef[] => {
        const ns = ctx.cache(NAMESPACES).find((n) => n.metadata.name === obj.metadata.namespace);
        return ns?.metadata.deletionTimestamp ? [{ name: ns.metadata.name! }] : [];
      },
    })),
    async reconcile(ref: ObjectRef, ctx: ReconcileContext): Promise<ReconcileResult | void> {
      const ns = await ctx.client.get(NAMESPACES, undefined, ref.name);
      const deletedAt = ns.metadata.deletionTimestamp;
      if (!deletedAt || !specFinalizers(ns).includes(KUBERNETES_FINALIZER)) return;
      const waitMs = Date.parse(deletedAt) + delayMs - ctx.now().getTime();
      if (waitMs > 0) return { requeueAfterMs: waitMs };

      const report = await deleteNamespaceContent(ctx.client, ref.name);
      const existing = ((ns.status as { conditions?: NamespaceCondition[] } | undefined)?.conditions) ?? [];
      const conditions = namespaceDeletionConditions(report, existing, rfc3339(ctx.now()));
      let current = ns;
      if (!deepEqual(conditions, existing)) {
        current = await ctx.client.patch(NAMESPACES, undefined, ref.name, { metadata: { resourceVersion: ns.metadata.resourceVersion }, status: { conditions } }, 'merge', { subresource: 'status' });
      }
      if (report.failures.length) throw new Error(`deleting the content of namespace ${ref.name} failed: ${report.failures.map((f) => `${f.type.resource}: ${f.message}`).join('; ')}`);
      if (report.left.length) return { requeueAfterMs: contentRemovalEstimate(report.left, ctx.now()) };

      // Skiff serves no /finalize subresource: spec.finalizers is written with an ordinary update.
      const finalizers = specFinalizers(current).filter((f) => f !== KUBERNETES_FINALIZER);
      await ctx.client.patch(NAMESPACES, undefined, ref.name, { metadata: { resourceVersion: current.metadata.resourceVersion }, spec: { finalizers } }, 'merge');
      ctx.log.info('namespace content removed; finalized');
    },
  };
}
