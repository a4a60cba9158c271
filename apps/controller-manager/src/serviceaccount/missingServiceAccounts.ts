import type { KubeObject } from '@skiff/apimachinery';

/** The accounts every namespace has (kube-controller-manager's serviceaccounts-controller makes only `default`). */
export const NAMESPACE_SERVICE_ACCOUNTS: readonly string[] = ['default'];

/**
 * Which of the namespace's standard accounts to create: none while the namespace is not Active
 * (a Terminating namespace is emptied, not refilled), otherwise those it does not have.
 */
export function missingServiceAccounts(namespace: KubeObject, existing: readonly string[], wanted: readonly string[] = NAMESPACE_SERVICE_ACCOUNTS): string[] {
  const phase = (namespace.status as { phase?: string } | undefined)?.phase;
  if (namespace.metadata.deletionTimestamp || phase !== 'Active') return [];
  return wanted.filter((name) => !existing.includes(name));
}
