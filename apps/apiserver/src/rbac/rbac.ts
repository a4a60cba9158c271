import { CLUSTER_ROLE, CLUSTER_ROLE_BINDING, ForbiddenError, forbiddenMessage, ROLE, ROLE_BINDING, shape, type Kind, type KubeObject } from '@skiff/apimachinery';
import type { Store } from '@skiff/store';
import type { ClusterRole, PolicyRule, RoleBinding } from 'kubernetes-types/rbac/v1.js';
import type { Logger } from 'pino';
import type { Principal } from '../auth.js';
import { isAllowed, type RuleAuthorizer } from '../authorizer.js';
import type { Rest } from '../rest.js';
import type { WatchHub } from '../watch.js';
import { ClusterRoleAggregation } from './clusterRoleAggregation.js';
import { escalationReason, rulesOf } from './escalation.js';
import { RbacIndex } from './rbacIndex.js';
import { reconcileBootstrapPolicy } from './reconcileBootstrapPolicy.js';
import type { Attributes } from './rules.js';

const RBAC_GROUP = CLUSTER_ROLE.group;
const RBAC_KINDS = new Set([ROLE.resource, CLUSTER_ROLE.resource, ROLE_BINDING.resource, CLUSTER_ROLE_BINDING.resource]);
/** What may use an aggregationRule: only who holds everything (kube's fullAuthority). */
const FULL_AUTHORITY: PolicyRule[] = [
  { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
  { verbs: ['*'], nonResourceURLs: ['*'] },
];

/**
 * RBAC in the API server: the bootstrap policy reconciled at start, the in-memory index the
 * authorizer reads, the aggregation of ClusterRoles, and escalation prevention on writes of the
 * RBAC kinds.
 */
export class Rbac implements RuleAuthorizer {
  readonly index = new RbacIndex();
  private aggregation: ClusterRoleAggregation | undefined;

  static async start(deps: { store: Store; rest: Rest; hub: WatchHub; logger: Logger }): Promise<Rbac> {
    const rbac = new Rbac();
    await reconcileBootstrapPolicy(deps.rest, deps.logger);
    await rbac.index.start(deps.store, deps.hub);
    rbac.aggregation = new ClusterRoleAggregation({ index: rbac.index, rest: deps.rest, logger: deps.logger });
    rbac.aggregation.start();
    return rbac;
  }

  stop(): void {
    this.aggregation?.stop();
    this.index.stop();
  }

  allows(user: Principal, attrs: Attributes): boolean {
    return this.index.allows(user, attrs);
  }

  /** A write of this server to an RBAC object, seen by the next request without waiting for the watch. */
  observe(kind: Kind, obj: KubeObject, deleted = false): void {
    this.index.observe(kind, obj, deleted);
  }

  /**
   * Escalation prevention (kube's policybased storage): a Role or ClusterRole may only be written
   * by who holds every rule it grants, or may `escalate` it; a binding only by who holds every rule
   * of the role it refers to, or may `bind` it. Throws Forbidden with Kubernetes' message.
   */
  checkEscalation(user: Principal, kind: Kind, obj: KubeObject): void {
    if (kind.group !== RBAC_GROUP || !RBAC_KINDS.has(kind.resource) || user.groups.includes('system:masters')) return;
    const namespace = kind.namespaced ? obj?.metadata?.namespace : undefined;
    const name = obj?.metadata?.name ?? '';
    const target = { kind: kind.resource, group: RBAC_GROUP, name };
    const refuse = (why: string) => new ForbiddenError(forbiddenMessage(target, why), target);
    if (kind.resource === ROLE.resource || kind.resource === CLUSTER_ROLE.resource) {
      if (isAllowed(user, { resourceRequest: true, verb: 'escalate', apiGroup: RBAC_GROUP, resource: kind.resource, namespace, name }, this)) return;
      const owner = this.index.rulesFor(user, namespace);
      if (obj && shape<ClusterRole>(obj).aggregationRule && escalationReason(user, owner, FULL_AUTHORITY)) throw refuse('must have cluster-admin privileges to use the aggregationRule');
      const reason = escalationReason(user, owner, rulesOf(obj && shape<ClusterRole>(obj).rules));
      if (reason) throw refuse(reason);
      return;
    }
    const ref = (obj as unknown as RoleBinding | undefined)?.roleRef;
    // A binding without a roleRef (or with a malformed one) grants nothing; validation refuses it.
    if (!ref || typeof ref !== 'object' || typeof ref.name !== 'string') return;
    const refResource = ref.kind === 'ClusterRole' ? CLUSTER_ROLE.resource : ROLE.resource;
    if (isAllowed(user, { resourceRequest: true, verb: 'bind', apiGroup: RBAC_GROUP, resource: refResource, namespace, name: ref.name }, this)) return;
    const granted = this.index.roleRefRules(ref, namespace ?? '');
    if (!granted) throw refuse(`${ref.kind.toLowerCase()}.${RBAC_GROUP} "${ref.name}" not found`);
    const reason = escalationReason(user, this.index.rulesFor(user, namespace), granted);
    if (reason) throw refuse(reason);
  }
}
