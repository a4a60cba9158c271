/**
 * The page's copy of the cluster: every object the status stream sent, by kind and
 * `namespace/name`, plus an index of children by owner so a Deployment's ReplicaSets and a
 * ReplicaSet's Pods are found without scanning every pod.
 */

export interface OwnerReference {
  kind: string;
  name: string;
  uid?: string;
  controller?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  creationTimestamp?: string;
  deletionTimestamp?: string;
  generation?: number;
  resourceVersion?: string;
}

export interface StatusObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  // The page reads many kinds' spec and status; each view-model function narrows what it uses.
  spec?: any;
  status?: any;
  [field: string]: unknown;
}

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StatusChange {
  type: ChangeType;
  kind: string;
  object: StatusObject;
}

export function nameKey(o: { metadata: ObjectMeta }): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

function ownerKey(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ''}/${name}`;
}

/** The owner that manages an object (the controller reference, else the first). */
export function controllerOf(o: StatusObject): OwnerReference | undefined {
  const refs = o.metadata.ownerReferences ?? [];
  return refs.find((r) => r.controller) ?? refs[0];
}

export class ClusterState {
  private readonly byKind = new Map<string, Map<string, StatusObject>>();
  /** `Kind/ns/name` of an owner -> keys (`Kind/ns/name`) of the objects it owns. */
  private readonly children = new Map<string, Set<string>>();
  /** Bumped by every change: a view derived from the state is current while this is unchanged. */
  private changes = 0;

  /** How many changes the state has taken: views cache what they derive against it. */
  get version(): number {
    return this.changes;
  }

  reset(items: StatusObject[]): void {
    this.changes++;
    this.byKind.clear();
    this.children.clear();
    for (const o of items) this.apply({ type: 'ADDED', kind: o.kind, object: o });
  }

  /** Applies one change; returns the object as it was before (undefined when new). */
  apply(change: StatusChange): StatusObject | undefined {
    this.changes++;
    const kind = change.kind || change.object.kind;
    let objects = this.byKind.get(kind);
    if (!objects) this.byKind.set(kind, (objects = new Map()));
    const key = nameKey(change.object);
    const before = objects.get(key);
    if (before) this.unindex(before);
    if (change.type === 'DELETED') {
      objects.delete(key);
    } else {
      const obj = { ...change.object, kind };
      objects.set(key, obj);
      this.index(obj);
    }
    return before;
  }

  get(kind: string, namespace: string | undefined, name: string): StatusObject | undefined {
    return this.byKind.get(kind)?.get(`${namespace ?? ''}/${name}`);
  }

  list(kind: string): StatusObject[] {
    return [...(this.byKind.get(kind)?.values() ?? [])];
  }

  count(kind: string): number {
    return this.byKind.get(kind)?.size ?? 0;
  }

  /** The objects of `childKind` whose controller is `owner`. */
  ownedBy(owner: StatusObject, childKind: string): StatusObject[] {
    const keys = this.children.get(ownerKey(owner.kind, owner.metadata.namespace, owner.metadata.name));
    const out: StatusObject[] = [];
    for (const k of keys ?? []) {
      const slash = k.indexOf('/');
      if (k.slice(0, slash) !== childKind) continue;
      const o = this.byKind.get(childKind)?.get(k.slice(slash + 1));
      if (o) out.push(o);
    }
    return out;
  }

  private index(o: StatusObject): void {
    const owner = controllerOf(o);
    if (!owner) return;
    const k = ownerKey(owner.kind, o.metadata.namespace, owner.name);
    let set = this.children.get(k);
    if (!set) this.children.set(k, (set = new Set()));
    set.add(ownerKey(o.kind, o.metadata.namespace, o.metadata.name));
  }

  private unindex(o: StatusObject): void {
    const owner = controllerOf(o);
    if (!owner) return;
    const k = ownerKey(owner.kind, o.metadata.namespace, owner.name);
    const set = this.children.get(k);
    set?.delete(ownerKey(o.kind, o.metadata.namespace, o.metadata.name));
    if (set?.size === 0) this.children.delete(k);
  }
}
