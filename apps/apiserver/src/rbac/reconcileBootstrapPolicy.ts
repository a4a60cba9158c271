import { AlreadyExistsError, CLUSTER_ROLE, CLUSTER_ROLE_BINDING, deepEqual, NotFoundError, shape, type Kind, type KubeObject } from '@skiff/apimachinery';
import type { ClusterRole, ClusterRoleBinding } from 'kubernetes-types/rbac/v1.js';
import type { Logger } from 'pino';
import { clone } from '../objects.js';
import type { Rest } from '../rest.js';
import { AUTOUPDATE_ANNOTATION, bootstrapClusterRoleBindings, bootstrapClusterRoles } from './bootstrapPolicy.js';
import { uncoveredRules } from './escalation.js';

const WRITE = { dryRun: false, fieldManager: 'kube-apiserver' };

/**
 * Brings the bootstrap policy into the store, as kube-apiserver's rbac/bootstrap-roles post-start
 * hook does: a missing role or binding is created; one annotated
 * `rbac.authorization.kubernetes.io/autoupdate: "false"` is left alone; any other gets the rules,
 * aggregation selectors, subjects, labels and annotations it lacks (nothing is taken away). A
 * binding whose roleRef changed is made again, roleRef being immutable.
 */
export async function reconcileBootstrapPolicy(rest: Rest, log: Logger): Promise<void> {
  // Each object is independent of the others: all roles at once, then all bindings, so the store
  // batches their reads and writes (a first start writes about 100 of them, one by one 0.3-0.5 s).
  await Promise.all(bootstrapClusterRoles().map((role) => reconcile(rest, CLUSTER_ROLE, asObject(role), (have) => asObject(reconciledRole(shape<ClusterRole>(have), role)))));
  await Promise.all(
    bootstrapClusterRoleBindings().map((b) =>
      reconcile(rest, CLUSTER_ROLE_BINDING, asObject(b), (have) => {
        const next = reconciledBinding(shape<ClusterRoleBinding>(have), b);
        return next === 'recreate' ? next : asObject(next);
      }),
    ),
  );
  log.info('bootstrap RBAC policy reconciled');
}

async function reconcile(rest: Rest, type: Kind, want: KubeObject, reconciled: (have: KubeObject) => KubeObject | 'recreate' | undefined): Promise<void> {
  const path = { type, name: want.metadata.name! };
  let have: KubeObject | undefined;
  try {
    have = await rest.get(path);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  if (have && have.metadata.annotations?.[AUTOUPDATE_ANNOTATION] === 'false') return;
  const next = have ? reconciled(have) : want;
  if (next === undefined) return;
  if (next === 'recreate') await rest.delete(path, { dryRun: false });
  try {
    if (have && next !== 'recreate') await rest.update(path, next, WRITE);
    else await rest.create({ type }, clone(want), WRITE);
  } catch (err) {
    // Another API server starting at the same time made it first.
    if (!(err instanceof AlreadyExistsError)) throw err;
  }
}

/** The typed RBAC objects as the store's objects (the one place they are seen untyped). */
function asObject<T extends object | undefined>(obj: T): T extends object ? KubeObject : undefined {
  return obj as never;
}

/** `have`, with the labels and annotations of `want` it lacks (its own values win). */
function withMetadataOf<T extends ClusterRole | ClusterRoleBinding>(have: T, want: T): T {
  const next = clone(have);
  next.metadata = { ...next.metadata, labels: { ...want.metadata?.labels, ...have.metadata?.labels }, annotations: { ...want.metadata?.annotations, ...have.metadata?.annotations } };
  return next;
}

export function reconciledRole(have: ClusterRole, want: ClusterRole): ClusterRole | undefined {
  const next = withMetadataOf(have, want);
  if (want.aggregationRule) {
    // The aggregation controller owns the rules of an aggregated role; only its selectors are added.
    const selectors = [...(have.aggregationRule?.clusterRoleSelectors ?? [])];
    for (const s of want.aggregationRule.clusterRoleSelectors ?? []) if (!selectors.some((h) => deepEqual(h, s))) selectors.push(s);
    next.aggregationRule = { clusterRoleSelectors: selectors };
  } else {
    next.rules = [...(have.rules ?? []), ...(want.rules ?? []).filter((r) => uncoveredRules(have.rules ?? [], [r]).length > 0)];
  }
  return deepEqual(next, have) ? undefined : next;
}

export function reconciledBinding(have: ClusterRoleBinding, want: ClusterRoleBinding): ClusterRoleBinding | 'recreate' | undefined {
  if (!deepEqual(have.roleRef, want.roleRef)) return 'recreate';
  const next = withMetadataOf(have, want);
  const subjects = [...(have.subjects ?? [])];
  for (const s of want.subjects ?? []) if (!subjects.some((h) => h.kind === s.kind && h.name === s.name && (h.namespace ?? '') === (s.namespace ?? ''))) subjects.push(s);
  next.subjects = subjects;
  return deepEqual(next, have) ? undefined : next;
}
