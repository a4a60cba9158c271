import { AlreadyExistsError, GITOPS_SERVICE_ACCOUNT, type KubeObject } from '@skiff/apimachinery';
import type { ReconcileContext } from '@skiff/controller-runtime';
import { resourceType } from '@skiff/kube-client';

/** The ClusterRole the default account is bound to, in its namespace only. */
export const GITOPS_CLUSTER_ROLE = 'admin';

const SERVICE_ACCOUNTS = resourceType('serviceaccounts');
const ROLE_BINDINGS = resourceType('rolebindings', 'rbac.authorization.k8s.io');

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
