import { NotFoundError, RESOURCE_TYPES, type KindRegistry, type KubeObject } from '@skiff/apimachinery';
import type { Store } from '@skiff/store';
import type { Logger } from 'pino';
import { clone, keyOf } from './objects.js';
import type { ResourcePath } from './paths.js';
import type { Rest } from './rest.js';

const NAMESPACE_TYPE = RESOURCE_TYPES.find((t) => t.resource === 'namespaces')!;

/**
 * Finishes the deletion of Terminating namespaces: deletes their contents, then removes the
 * `kubernetes` finalizer so the namespace itself goes.
 *
 * It starts on a namespace `startDelayMs` after its deletion, as Kubernetes' namespace controller
 * effectively does, so a client deleting a file's objects one by one (`kubectl delete -f`) finds
 * them still there. Opt-in (`namespaceFinalizer: true`): the controller manager's namespace controller
 * does this where one runs.
 */
export class NamespaceFinalizer {
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly rest: Rest,
    private readonly kinds: KindRegistry,
    private readonly logger: Logger,
    private readonly startDelayMs = 1000,
    private readonly recheckMs = 1000,
  ) {}

  start(): void {
    this.schedule(0);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Called when a namespace has been marked for deletion. */
  namespaceDeleted(): void {
    this.schedule(this.startDelayMs);
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.pass(), ms);
    this.timer.unref();
  }

  private async pass(): Promise<void> {
    if (this.running || this.stopped) return;
    this.running = true;
    let pending = false;
    try {
      const { items } = await this.store.list({ group: '', resource: 'namespaces' });
      const now = Date.now();
      for (const ns of items) {
        if (!ns.metadata.deletionTimestamp) continue;
        const since = now - Date.parse(ns.metadata.deletionTimestamp);
        if (since < this.startDelayMs) {
          pending = true;
          continue;
        }
        if (!(await this.finalize(ns))) pending = true;
      }
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, 'namespace finalizer pass failed');
      pending = true;
    } finally {
      this.running = false;
    }
    if (pending) this.schedule(this.recheckMs);
  }

  /** Deletes what is left in the namespace; returns true once the namespace is gone. */
  private async finalize(ns: KubeObject): Promise<boolean> {
    const name = ns.metadata.name!;
    let remaining = 0;
    // Every namespaced resource once (a custom resource served in several versions has one storage).
    const types = this.kinds.all().filter((t, i, all) => t.namespaced && all.findIndex((o) => o.group === t.group && o.resource === t.resource) === i);
    for (const type of types) {
      const { items } = await this.store.list({ group: type.group, resource: type.resource, namespace: name });
      remaining += items.length;
      for (const item of items) {
        if (item.metadata.deletionTimestamp) continue;
        const path: ResourcePath = { type, namespace: name, name: item.metadata.name };
        await this.rest.delete(path, { dryRun: false }).catch((err) => {
          if (!(err instanceof NotFoundError)) throw err;
        });
      }
    }
    if (remaining > 0) return false;
    const key = keyOf(NAMESPACE_TYPE, undefined, name);
    const current = await this.store.get(key);
    if (!current) return true;
    const next = clone(current);
    (next.spec as { finalizers?: string[] }).finalizers = [];
    const updated = await this.store.update(key, next, { resourceVersion: current.metadata.resourceVersion });
    if ((updated.metadata.finalizers?.length ?? 0) === 0) {
      await this.store.delete(key, { uid: updated.metadata.uid, resourceVersion: updated.metadata.resourceVersion });
      this.logger.info({ key: `namespaces/${name}` }, 'namespace deleted');
    }
    return true;
  }
}
