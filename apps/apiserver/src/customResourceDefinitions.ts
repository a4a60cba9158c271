import {
  API_GROUPS,
  CUSTOM_RESOURCE_CLEANUP_FINALIZER,
  CUSTOM_RESOURCE_DEFINITION,
  customResourceDefinitionStatus,
  customResourceKinds,
  deepEqual,
  NotFoundError,
  setCrdCondition,
  shape,
  type Kind,
  type KindRegistry,
  type KubeObject,
} from '@skiff/apimachinery';
import type { Store } from '@skiff/store';
import type { CustomResourceDefinition } from 'kubernetes-types/apiextensions/v1.js';
import type { Logger } from 'pino';
import { clone, keyOf, nowRfc3339 } from './objects.js';
import type { Rest } from './rest.js';
import type { WatchHandle, WatchHub } from './watch.js';

export interface CustomResourceDefinitionsDeps {
  store: Store;
  rest: Rest;
  hub: WatchHub;
  kinds: KindRegistry;
  logger: Logger;
  clock: () => Date;
}

const RETRY_BASE_MS = 100;
const RETRY_MAX_MS = 10_000;
/** How often a deleted CRD whose custom resources are still going (their own finalizers) is looked at again. */
const CLEANUP_RECHECK_MS = 1000;

/**
 * The API server's side of CustomResourceDefinitions, as apiextensions-apiserver runs it in
 * kube-apiserver's process: the kinds of the CRDs in the store are served (rebuilt from a list at
 * start, then on every change a watch on CRDs reports), each CRD gets its accepted names and
 * NamesAccepted/Established conditions (naming and establishing controllers), and a deleted CRD's
 * custom resources are deleted before its cleanup finalizer is removed (the CRD finalizer).
 *
 * Level-triggered by CRD name: a change queues the name; one pass at a time reads the CRD and
 * does what it needs; a failing name is retried with backoff.
 */
export class CustomResourceDefinitions {
  private readonly queue = new Set<string>();
  private readonly attempts = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private draining: Promise<void> | undefined;
  private watch: WatchHandle | undefined;
  private stopped = false;

  constructor(private readonly deps: CustomResourceDefinitionsDeps) {}

  async start(): Promise<void> {
    const { items, resourceVersion } = await this.deps.store.list({ group: CUSTOM_RESOURCE_DEFINITION.group, resource: CUSTOM_RESOURCE_DEFINITION.resource });
    this.serve(items);
    this.watch = await this.deps.hub.watch({ type: CUSTOM_RESOURCE_DEFINITION }, resourceVersion, {
      send: (type, obj) => {
        if (type === 'ERROR' || type === 'BOOKMARK') return;
        this.enqueue(obj.metadata.name!);
      },
    });
    for (const crd of items) this.enqueue(crd.metadata.name!);
  }

  stop(): void {
    this.stopped = true;
    this.watch?.stop();
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private enqueue(name: string): void {
    if (this.stopped) return;
    this.queue.add(name);
    this.draining ??= this.drain().finally(() => {
      this.draining = undefined;
      if (this.queue.size > 0) this.enqueue([...this.queue][0]);
    });
  }

  private later(name: string, ms: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.enqueue(name);
    }, ms);
    timer.unref();
    this.timers.add(timer);
  }

  private async drain(): Promise<void> {
    while (this.queue.size > 0 && !this.stopped) {
      const [name] = this.queue;
      this.queue.delete(name);
      try {
        const again = await this.reconcile(name);
        this.attempts.delete(name);
        if (again) this.later(name, again);
      } catch (err) {
        const attempt = (this.attempts.get(name) ?? 0) + 1;
        this.attempts.set(name, attempt);
        this.deps.logger.warn({ crd: name, err: (err as Error).message, attempt }, 'custom resource definition reconcile failed');
        this.later(name, Math.min(RETRY_BASE_MS * 2 ** (attempt - 1), RETRY_MAX_MS));
      }
    }
  }

  /** One pass over one CRD; returns a delay when it must be looked at again. */
  private async reconcile(name: string): Promise<number | undefined> {
    const all = await this.listCrds();
    const stored = all.find((c) => c.metadata.name === name);
    let again: number | undefined;
    if (stored?.metadata.deletionTimestamp) again = await this.finalize(stored);
    else if (stored) await this.updateStatus(stored, all);
    this.serve(await this.listCrds());
    return again;
  }

  private async listCrds(): Promise<KubeObject[]> {
    return (await this.deps.store.list({ group: CUSTOM_RESOURCE_DEFINITION.group, resource: CUSTOM_RESOURCE_DEFINITION.resource })).items;
  }

  private serve(crds: readonly KubeObject[]): void {
    this.deps.kinds.setCustomResourceDefinitions(crds.map((c) => shape<CustomResourceDefinition>(c)));
  }

  /** Names and conditions: compute, compare, then write. */
  private async updateStatus(obj: KubeObject, all: readonly KubeObject[]): Promise<void> {
    const crd = shape<CustomResourceDefinition>(obj);
    const status = customResourceDefinitionStatus(crd, all.map((c) => shape<CustomResourceDefinition>(c)), nowRfc3339(this.deps.clock()));
    if (deepEqual(status, crd.status)) return;
    const next = clone(obj);
    next.status = status as unknown as Record<string, unknown>;
    // Served before Established is written, as kube-apiserver's establishing controller waits for
    // the handler: a client that sees the condition finds the kind (a failed write is retried, and
    // the next pass serves the stored CRDs).
    this.serve(all.map((c) => (c.metadata.name === obj.metadata.name ? next : c)));
    await this.deps.store.update(keyOf(CUSTOM_RESOURCE_DEFINITION, undefined, obj.metadata.name!), next, { resourceVersion: obj.metadata.resourceVersion, uid: obj.metadata.uid });
    this.deps.logger.info({ crd: obj.metadata.name, conditions: status.conditions?.map((c) => `${c.type}=${c.status}`) }, 'custom resource definition status');
  }

  /**
   * A deleted CRD: delete its custom resources (each as a client's delete would, so their own
   * finalizers hold them), and once none is left remove the cleanup finalizer.
   */
  private async finalize(obj: KubeObject): Promise<number | undefined> {
    if (!obj.metadata.finalizers?.includes(CUSTOM_RESOURCE_CLEANUP_FINALIZER)) return undefined;
    const crd = shape<CustomResourceDefinition>(obj);
    const key = keyOf(CUSTOM_RESOURCE_DEFINITION, undefined, obj.metadata.name!);
    const kind = storageKind(crd);
    // A CRD for a group served built in (Argo CD's argoproj.io) never served its kind: the objects
    // stored under that name are the built-in kind's, and stay.
    const builtIn = API_GROUPS.some((g) => g.group === crd.spec.group);
    const { items } = builtIn ? { items: [] } : await this.deps.store.list({ group: crd.spec.group, resource: crd.spec.names.plural });
    if (items.length > 0) {
      obj = await this.setTerminating(obj, 'InstanceDeletionInProgress', 'CustomResource deletion is in progress');
      for (const item of items) {
        if (item.metadata.deletionTimestamp) continue;
        await this.deps.rest.delete({ type: kind, namespace: item.metadata.namespace, name: item.metadata.name }, { dryRun: false }).catch((err) => {
          if (!(err instanceof NotFoundError)) throw err;
        });
      }
      const left = await this.deps.store.list({ group: crd.spec.group, resource: crd.spec.names.plural });
      if (left.items.length > 0) return CLEANUP_RECHECK_MS;
    }
    const current = await this.deps.store.get(key);
    if (!current) return undefined;
    const next = clone(current);
    next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== CUSTOM_RESOURCE_CLEANUP_FINALIZER);
    if (next.metadata.finalizers.length === 0) {
      await this.deps.store.delete(key, { uid: current.metadata.uid, resourceVersion: current.metadata.resourceVersion });
      this.deps.logger.info({ crd: obj.metadata.name }, 'custom resource definition deleted');
    } else {
      await this.deps.store.update(key, next, { resourceVersion: current.metadata.resourceVersion, uid: current.metadata.uid });
    }
    return undefined;
  }

  private async setTerminating(obj: KubeObject, reason: string, message: string): Promise<KubeObject> {
    const crd = shape<CustomResourceDefinition>(obj);
    const conditions = setCrdCondition(crd.status?.conditions ?? [], { type: 'Terminating', status: 'True', reason, message }, nowRfc3339(this.deps.clock()));
    if (deepEqual(conditions, crd.status?.conditions)) return obj;
    const next = clone(obj);
    next.status = { ...(next.status as object), conditions } as Record<string, unknown>;
    return this.deps.store.update(keyOf(CUSTOM_RESOURCE_DEFINITION, undefined, obj.metadata.name!), next, { resourceVersion: obj.metadata.resourceVersion, uid: obj.metadata.uid });
  }
}

/** The CRD's kind at its storage version, served or not: what deleting its objects goes through. */
function storageKind(crd: CustomResourceDefinition): Kind {
  const versions = crd.spec.versions.map((v) => ({ ...v, served: v.storage }));
  return customResourceKinds({ ...crd, spec: { ...crd.spec, versions } })[0];
}
