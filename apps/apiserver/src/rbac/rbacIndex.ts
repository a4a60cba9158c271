import { CLUSTER_ROLE, CLUSTER_ROLE_BINDING, ROLE, ROLE_BINDING, shape, type Kind, type KubeObject, type WatchEventType } from '@skiff/apimachinery';
import type { Store } from '@skiff/store';
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject } from 'kubernetes-types/rbac/v1.js';
import type { WatchHandle, WatchHub } from '../watch.js';
import { ruleAllows, subjectMatches, type Attributes, type UserInfo } from './rules.js';

const KINDS = [CLUSTER_ROLE, ROLE, CLUSTER_ROLE_BINDING, ROLE_BINDING] as const;
/** Decisions remembered at most (then forgotten all at once: a burst of distinct requests costs a recomputation, not memory). */
const MAX_DECISIONS = 10_000;

interface Entry {
  object: KubeObject;
  resourceVersion: bigint;
}

/**
 * The RBAC objects of the cluster in memory, as kube-apiserver's RBAC authorizer reads them from
 * its informers: listed at start, then kept fresh by a watch of each kind, so authorizing a
 * request reads no database. A write of an RBAC object through this server is also applied at
 * once (`observe`), so the next request sees it even before the watch delivers it; an event
 * older than what is held for its key is ignored, so both paths may deliver the same change.
 */
export class RbacIndex {
  /** By kind's resource, then `namespace/name`. */
  private readonly objects = new Map<string, Map<string, Entry>>(KINDS.map((k) => [k.resource, new Map()]));
  /** Deleted keys and the version they were deleted at, so a late event does not bring them back. */
  private readonly deleted = new Map<string, bigint>();
  private readonly watches: WatchHandle[] = [];
  private readonly listeners = new Set<() => void>();
  /**
   * Decisions by user, groups and request attributes. Emptied by every change `apply` makes, so a
   * decision is never older than the objects held: a binding written through this server counts
   * from the next request, one written through another once the watch reports it.
   */
  private readonly decisions = new Map<string, boolean>();

  async start(store: Store, hub: WatchHub): Promise<void> {
    for (const kind of KINDS) {
      const { items, resourceVersion } = await store.list({ group: kind.group, resource: kind.resource });
      for (const obj of items) this.apply(kind, 'ADDED', obj);
      this.watches.push(
        await hub.watch({ type: kind }, resourceVersion, {
          send: (type, obj) => {
            if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') this.apply(kind, type, obj);
          },
        }),
      );
    }
  }

  stop(): void {
    for (const w of this.watches) w.stop();
    this.listeners.clear();
  }

  /** Calls `listener` after every change of a ClusterRole (the aggregation controller's trigger). */
  onClusterRoleChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Applies an RBAC object this server just wrote or deleted. */
  observe(kind: Kind, obj: KubeObject, deleted = false): void {
    if (!this.objects.has(kind.resource) || kind.group !== CLUSTER_ROLE.group) return;
    this.apply(kind, deleted ? 'DELETED' : 'MODIFIED', obj);
  }

  private apply(kind: Kind, type: WatchEventType, obj: KubeObject): void {
    const byKey = this.objects.get(kind.resource)!;
    const key = `${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
    const tombstone = `${kind.resource}/${key}`;
    const rv = BigInt(obj.metadata.resourceVersion ?? '0');
    const held = byKey.get(key);
    this.decisions.clear();
    if (type === 'DELETED') {
      byKey.delete(key);
      if (rv > (this.deleted.get(tombstone) ?? -1n)) this.deleted.set(tombstone, rv);
    } else {
      if ((held && held.resourceVersion >= rv) || (this.deleted.get(tombstone) ?? -1n) >= rv) return;
      byKey.set(key, { object: obj, resourceVersion: rv });
    }
    if (kind.resource === CLUSTER_ROLE.resource) for (const l of this.listeners) l();
  }

  clusterRoles(): ClusterRole[] {
    return [...this.objects.get(CLUSTER_ROLE.resource)!.values()].map((e) => shape<ClusterRole>(e.object));
  }

  clusterRole(name: string): ClusterRole | undefined {
    return this.objects.get(CLUSTER_ROLE.resource)!.get(`/${name}`)?.object as ClusterRole | undefined;
  }

  /** The rules a binding's roleRef grants (GetRoleReferenceRules); undefined when the role does not exist. */
  roleRefRules(ref: RoleRef, namespace: string): PolicyRule[] | undefined {
    if (ref.kind === 'ClusterRole') return this.clusterRole(ref.name)?.rules ?? (this.clusterRole(ref.name) ? [] : undefined);
    if (ref.kind !== 'Role') return undefined;
    const role = this.objects.get(ROLE.resource)!.get(`${namespace}/${ref.name}`)?.object as Role | undefined;
    return role ? (role.rules ?? []) : undefined;
  }

  /** Every binding that applies to `user` in `namespace` (cluster-wide ones always), with what the review's reason says of it. */
  private *bindingsFor(user: UserInfo, namespace: string | undefined): Generator<{ roleRef: RoleRef; namespace: string; describe: () => string }> {
    for (const { object } of this.objects.get(CLUSTER_ROLE_BINDING.resource)!.values()) {
      const b = shape<ClusterRoleBinding>(object);
      const subject = (b.subjects ?? []).find((s) => subjectMatches(s, user, ''));
      if (subject) yield { roleRef: b.roleRef, namespace: '', describe: () => `ClusterRoleBinding ${JSON.stringify(b.metadata!.name)} of ${b.roleRef.kind} ${JSON.stringify(b.roleRef.name)} to ${describeSubject(subject, '')}` };
    }
    if (!namespace) return;
    for (const [key, { object }] of this.objects.get(ROLE_BINDING.resource)!) {
      if (!key.startsWith(`${namespace}/`)) continue;
      const b = shape<RoleBinding>(object);
      const subject = (b.subjects ?? []).find((s) => subjectMatches(s, user, namespace));
      if (subject) yield { roleRef: b.roleRef, namespace, describe: () => `RoleBinding ${JSON.stringify(`${b.metadata!.name}/${namespace}`)} of ${b.roleRef.kind} ${JSON.stringify(b.roleRef.name)} to ${describeSubject(subject, namespace)}` };
    }
  }

  /** RulesFor: every rule `user` holds in `namespace` (or cluster-wide, for none). */
  rulesFor(user: UserInfo, namespace?: string): PolicyRule[] {
    const rules: PolicyRule[] = [];
    for (const b of this.bindingsFor(user, namespace)) rules.push(...(this.roleRefRules(b.roleRef, b.namespace) ?? []));
    return rules;
  }

  /** The RBAC authorizer's decision: some rule bound to the user permits the request. */
  allows(user: UserInfo, attrs: Attributes): boolean {
    const key = JSON.stringify([user.name, user.groups, attrs]);
    let allowed = this.decisions.get(key);
    if (allowed === undefined) {
      allowed = this.allowedBy(user, attrs) !== undefined;
      if (this.decisions.size >= MAX_DECISIONS) this.decisions.clear();
      this.decisions.set(key, allowed);
    }
    return allowed;
  }

  /** Which binding allows the request (`RBAC: allowed by ...`, the reason a review gives), or undefined. */
  allowedBy(user: UserInfo, attrs: Attributes): string | undefined {
    const namespace = attrs.resourceRequest ? attrs.namespace : undefined;
    for (const b of this.bindingsFor(user, namespace)) {
      if ((this.roleRefRules(b.roleRef, b.namespace) ?? []).some((r) => ruleAllows(r, attrs))) return `RBAC: allowed by ${b.describe()}`;
    }
    return undefined;
  }
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `ServiceAccount ${JSON.stringify(`${s.name}/${s.namespace || bindingNamespace}`)}`;
  return `${s.kind} ${JSON.stringify(s.name)}`;
}
