import { accountUser, applyingAccount, ForbiddenError, forbiddenMessage, type Kind, type KubeObject } from '@skiff/apimachinery';
import type { Principal } from '../auth.js';
import { isAllowed, type RuleAuthorizer } from '../authorizer.js';

const APPLICATION_GROUPS = new Set(['skiff.dev', 'argoproj.io']);

/**
 * An Application applies its objects as a ServiceAccount (ADR 014): who writes one must be allowed
 * to act as that account themselves (`impersonate` on it, which `edit` and `admin` hold in their
 * namespace), else a tenant could aim an Application at another namespace and have the git watcher
 * act there for them. Checked on every create and update of an Application.
 */
export function checkApplicationAccount(user: Principal, kind: Kind, app: KubeObject, rbac: RuleAuthorizer): void {
  if (kind.resource !== 'applications' || !APPLICATION_GROUPS.has(kind.group)) return;
  const destination = (app.spec as { destination?: { namespace?: unknown } } | undefined)?.destination?.namespace;
  if (typeof destination !== 'string' || !destination) return;
  // An argoproj.io Application applies as an account only when its project names one (an admin's
  // object, checked by the git watcher); else within what its AppProject allows, as in Argo CD.
  const account = applyingAccount({ ...app, metadata: { namespace: app.metadata.namespace } }, destination);
  if (!account) return;
  const attrs = { resourceRequest: true, verb: 'impersonate', apiGroup: '', resource: 'serviceaccounts', namespace: account.namespace, name: account.name } as const;
  if (isAllowed(user, attrs, rbac)) return;
  const target = { kind: kind.resource, group: kind.group, name: app.metadata.name };
  throw new ForbiddenError(
    forbiddenMessage(target, `User "${user.name}" cannot impersonate ServiceAccount ${account.namespace}/${account.name} (${accountUser(account)}), which this Application would apply as`),
    target,
  );
}
