/**
 * Names Kubernetes gives ServiceAccount identities and their projected tokens, shared by the API
 * server (TokenRequest, the token authenticator, ServiceAccount admission) and the node agent
 * (which writes the projected volume).
 */
export const SERVICE_ACCOUNT_USER_PREFIX = 'system:serviceaccount:';
export const SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';
/** kube-apiserver's usual --service-account-issuer. */
export const DEFAULT_SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const SERVICE_ACCOUNT_TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
/** The ConfigMap in every namespace holding the cluster CA (root-ca-cert-publisher's). */
export const ROOT_CA_CONFIG_MAP = 'kube-root-ca.crt';
/** The projected volume ServiceAccount admission adds is named this plus five random characters. */
export const KUBE_API_ACCESS_PREFIX = 'kube-api-access-';
/** TokenRequest's bounds and default, in seconds. */
export const MIN_TOKEN_EXPIRATION_SECONDS = 600;
export const DEFAULT_TOKEN_EXPIRATION_SECONDS = 3600;
/** The token admission projects lives an hour and seven seconds (kubelet's "3607"), as in Kubernetes. */
export const PROJECTED_TOKEN_EXPIRATION_SECONDS = 3607;

export function serviceAccountUsername(namespace: string, name: string): string {
  return `${SERVICE_ACCOUNT_USER_PREFIX}${namespace}:${name}`;
}

export function serviceAccountGroups(namespace: string): string[] {
  return [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${namespace}`, 'system:authenticated'];
}

