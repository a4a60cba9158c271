import { randomBytes } from 'node:crypto';
import { NODE_TOKEN_LABEL, TOKEN_NAMESPACE, USER_TOKEN_LABEL, userTokenSecret } from '@skiff/apimachinery';
import { resourceType, type ApiClient } from '@skiff/kube-client';

const SECRETS = resourceType('secrets');

/**
 * Mints a bearer token for user NAME in GROUPS (every user is in system:authenticated too) and
 * stores its SHA-256 as a Secret in the token namespace; what the user may do is up to the RBAC
 * bindings that name them or their groups. Returns the token: it is shown once and kept nowhere.
 */
export async function createUserToken(client: ApiClient, name: string, groups: string[]): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await client.create(SECRETS, userTokenSecret(token, { name, groups }));
  return token;
}

/** Deletes every token of user NAME (and of node NAME); returns how many there were. */
export async function revokeTokens(client: ApiClient, name: string): Promise<number> {
  let revoked = 0;
  for (const label of [USER_TOKEN_LABEL, NODE_TOKEN_LABEL]) {
    const { items } = await client.list(SECRETS, { namespace: TOKEN_NAMESPACE, labelSelector: `${label}=${name}` });
    for (const secret of items) {
      await client.delete(SECRETS, TOKEN_NAMESPACE, secret.metadata.name!);
      revoked++;
    }
  }
  return revoked;
}

/** The kubeconfig `users:` entry for the token, to paste into a kubeconfig next to the cluster's. */
export function kubeconfigUserStanza(name: string, token: string): string {
  return `- name: ${name}\n  user:\n    token: ${token}\n`;
}

/** The kubeconfig `users:` entry for a client certificate and its key. */
export function kubeconfigCertificateStanza(name: string, certPem: string, keyPem: string): string {
  const b64 = (pem: string) => Buffer.from(pem).toString('base64');
  return `- name: ${name}\n  user:\n    client-certificate-data: ${b64(certPem)}\n    client-key-data: ${b64(keyPem)}\n`;
}
