import { AlreadyExistsError, type KubeObject } from '@skiff/apimachinery';
import type { ReconcileContext } from '@skiff/controller-runtime';
import { resourceType } from '@skiff/kube-client';
import { globMatch, type AppProjectSpec } from './appProject.js';

/** The ServiceAccount an Application applies as when it names none, in its destination namespace. */
export const GITOPS_SERVICE_ACCOUNT = 'skiff-gitops';
/** The ClusterRole the default account is bound to, in its namespace only. */
export const GITOPS_CLUSTER_ROLE = 'admin';

const SERVICE_ACCOUNTS = resourceType('serviceaccounts');
const ROLE_BINDINGS = resourceType('rolebindings', 'rbac.authorization.k8s.io');

export interface ApplyingAccount {
  namespace: string;
  name: string;
  /** The default account, which the git watcher creates and binds itself. */
  isDefault: boolean;
}

/**
 * Who an Application's objects are applied as (ADR 014), so that RBAC is the one permission system:
 * - skiff.dev: `spec.serviceAccountName`, a ServiceAccount of the Application's own namespace (as
 *   Flux reads its Kustomization's field: a tenant can name only its own namespace's accounts);
 * - argoproj.io: the project's `destinationServiceAccounts` entry whose namespace glob matches the
 *   destination (Argo CD's sync impersonation), `name` or `namespace:name`;
 * - else `skiff-gitops` in the destination namespace, bound to `admin` there.
 */
export function applyingAccount(app: KubeObject, destinationNamespace: string, project?: AppProjectSpec): ApplyingAccount {
  const named = (app.spec as { serviceAccountName?: unknown } | undefined)?.serviceAccountName;
  if (app.apiVersion.startsWith('skiff.dev/') && typeof named === 'string' && named) return { namespace: app.metadata.namespace!, name: named, isDefault: false };
  const entry = project?.destinationServiceAccounts?.find((d) => globMatch(d.namespace ?? '*', destinationNamespace) && (!d.server || d.server === '*' || d.server === 'https://kubernetes.default.svc'));
  if (entry?.defaultServiceAccount) {
    const [ns, name] = entry.defaultServiceAccount.includes(':') ? entry.defaultServiceAccount.split(':', 2) : [destinationNamespace, entry.defaultServiceAccount];
    return { namespace: ns, name, isDefault: false };
  }
  return { namespace: destinationNamespace, name: GITOPS_SERVICE_ACCOUNT, isDefault: true };
}

export function accountUser(a: Pick<ApplyingAccount, 'namespace' | 'name'>): string {
  return `system:serviceaccount:${a.namespace}:${a.name}`;
}

/**
 * The default account and its RoleBinding to `admin` in the destination namespace, created if
 * missing (never changed when there: a namespace's admins may bind it differently). Who may make
 * an Application apply there is checked when the Application is written: its author must be
 * allowed to impersonate this account.
 */
export async function ensureDefaultAccount(ctx: ReconcileContext, namespace: string): Promise<void> {
  const create = (type: typeof SERVICE_ACCOUNTS, obj: KubeObject) =>
    ctx.client.create(type, obj).then(
      () => ctx.log.info({ object: `${obj.kind} ${namespace}/${obj.metadata.name}` }, 'created the applying account'),
      (err) => {
        if (!(err instanceof AlreadyExistsError)) throw err;
      },
    );
  const labels = { 'app.kubernetes.io/managed-by': 'skiff' };
  await create(SERVICE_ACCOUNTS, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: GITOPS_SERVICE_ACCOUNT, namespace, labels } });
  await create(ROLE_BINDINGS, {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { name: GITOPS_SERVICE_ACCOUNT, namespace, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: GITOPS_CLUSTER_ROLE },
    subjects: [{ kind: 'ServiceAccount', name: GITOPS_SERVICE_ACCOUNT, namespace }],
  } as KubeObject);
}
