/** The ServiceAccount an Application applies as when it names none, in its destination namespace. */
export const GITOPS_SERVICE_ACCOUNT = 'skiff-gitops';

/** A glob as Argo CD's project rules write them: `*` any run of characters, `?` one. */
export function globMatch(pattern: string, value: string): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`).test(value);
}

export interface ApplyingAccount {
  namespace: string;
  name: string;
  /** The default account, which the git watcher creates and binds itself. */
  isDefault: boolean;
}

/** Argo CD's AppProject `destinationServiceAccounts` entries (sync impersonation). */
export interface DestinationServiceAccount {
  server?: string;
  namespace?: string;
  defaultServiceAccount?: string;
}

/**
 * Who an Application's objects are applied as (ADR 014), so that RBAC is the one permission system:
 * - skiff.dev: `spec.serviceAccountName`, a ServiceAccount of the Application's own namespace (as
 *   Flux reads its Kustomization's field: a tenant can name only its own namespace's accounts);
 *   (else `skiff-gitops` in the destination namespace, bound to `admin` there);
 * - argoproj.io: the project's `destinationServiceAccounts` entry whose namespace glob matches the
 *   destination, `name` or `namespace:name` (Argo CD's sync impersonation); without one, undefined:
 *   the git watcher applies as itself, within what the AppProject allows, as Argo CD does.
 */
export function applyingAccount(app: { apiVersion: string; metadata: { namespace?: string }; spec?: unknown }, destinationNamespace: string, destinationServiceAccounts?: readonly DestinationServiceAccount[]): ApplyingAccount | undefined {
  const named = (app.spec as { serviceAccountName?: unknown } | undefined)?.serviceAccountName;
  if (app.apiVersion.startsWith('skiff.dev/') && typeof named === 'string' && named) return { namespace: app.metadata.namespace ?? 'default', name: named, isDefault: false };
  const entry = destinationServiceAccounts?.find((d) => globMatch(d.namespace ?? '*', destinationNamespace) && (!d.server || d.server === '*' || d.server === 'https://kubernetes.default.svc'));
  if (entry?.defaultServiceAccount) {
    const [ns, name] = entry.defaultServiceAccount.includes(':') ? entry.defaultServiceAccount.split(':', 2) : [destinationNamespace, entry.defaultServiceAccount];
    return { namespace: ns, name, isDefault: false };
  }
  if (!app.apiVersion.startsWith('skiff.dev/')) return undefined;
  return { namespace: destinationNamespace, name: GITOPS_SERVICE_ACCOUNT, isDefault: true };
}

export function accountUser(a: Pick<ApplyingAccount, 'namespace' | 'name'>): string {
  return `system:serviceaccount:${a.namespace}:${a.name}`;
}
