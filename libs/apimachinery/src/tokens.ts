import { createHash } from 'node:crypto';
import type { KubeObject } from './types.js';

/**
 * Bearer tokens kept as Secrets in kube-system (like Kubernetes' bootstrap tokens), so an admin can
 * mint a node token for a machine that joins later without restarting the API server. A token's
 * Secret is named after a hash of the token, so the API server finds it with one keyed read.
 */
export const TOKEN_SECRET_TYPE = 'skiff.dev/token';
export const TOKEN_NAMESPACE = 'kube-system';
export const NODE_GROUP = 'system:nodes';
export const NODE_USER_PREFIX = 'system:node:';

export function tokenSecretName(token: string): string {
  return `skiff-token-${createHash('sha256').update(token).digest('hex').slice(0, 24)}`;
}

export const USER_TOKEN_LABEL = 'skiff.dev/user';
export const NODE_TOKEN_LABEL = 'skiff.dev/node';

/** The SHA-256 of a token, hex: what a user token's Secret keeps instead of the token. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

/**
 * A token's Secret holding the token itself: node tokens, which the API server also presents to
 * the node's agent when it proxies logs and streams to it.
 */
export function tokenSecret(token: string, user: { name: string; groups: string[] }, labels: Record<string, string> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: tokenSecretName(token), namespace: TOKEN_NAMESPACE, labels: { 'skiff.dev/token': 'true', ...labels } },
    type: TOKEN_SECRET_TYPE,
    data: { token: b64(token), user: b64(user.name), groups: b64(user.groups.join(',')) },
  };
}

/**
 * A user's token Secret (`skiff token create-user`): only the token's SHA-256 is kept, so reading
 * the Secret does not give the token away.
 */
export function userTokenSecret(token: string, user: { name: string; groups: string[] }): KubeObject {
  const secret = tokenSecret(token, user, { [USER_TOKEN_LABEL]: user.name });
  secret.data = { tokenHash: b64(tokenHash(token)), user: b64(user.name), groups: b64(user.groups.join(',')) };
  return secret;
}

/** The Secret holding a node's token: it authenticates as `system:node:NAME` in `system:nodes`. */
export function nodeTokenSecret(token: string, node: string): KubeObject {
  return tokenSecret(token, { name: `${NODE_USER_PREFIX}${node}`, groups: [NODE_GROUP, 'system:authenticated'] }, { [NODE_TOKEN_LABEL]: node });
}
