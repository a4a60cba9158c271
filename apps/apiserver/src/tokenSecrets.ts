import { timingSafeEqual } from 'node:crypto';
import { TOKEN_NAMESPACE, TOKEN_SECRET_TYPE, tokenHash, tokenSecretName } from '@skiff/apimachinery';
import type { KubeObject } from '@skiff/apimachinery';
import type { Store } from '@skiff/store';
import type { Authenticator, Principal } from './auth.js';

function decode(v: unknown): string {
  return typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : '';
}

/**
 * Bearer tokens checked against their token Secrets (see tokenSecret), read from `secrets`: the
 * server's cache of TOKEN_NAMESPACE (KindCache), so a known token costs no database read, and a
 * revoked one (its Secret deleted) is refused from the next request on; through another API
 * server, once the change feed has reported the delete (see KindCache).
 */
export function secretTokenAuthenticator(secrets: { get(namespace: string, name: string): Promise<KubeObject | undefined> }): Authenticator {
  return async (token) => {
    const secret = await secrets.get(TOKEN_NAMESPACE, tokenSecretName(token));
    if (!secret || secret.type !== TOKEN_SECRET_TYPE) return undefined;
    const data = (secret.data ?? {}) as Record<string, string>;
    // User tokens keep only their hash; node tokens the token itself (see tokenSecret).
    const stored = Buffer.from(data.tokenHash ? decode(data.tokenHash) : decode(data.token));
    const given = Buffer.from(data.tokenHash ? tokenHash(token) : token);
    if (stored.length !== given.length || !timingSafeEqual(stored, given)) return undefined;
    return { name: decode(data.user), groups: decode(data.groups).split(',').filter(Boolean) };
  };
}

/** The token a node agent accepts on its own HTTP endpoint (logs), for the API server to proxy with. */
export async function nodeToken(store: Store, node: string): Promise<string | undefined> {
  const { items } = await store.list({ group: '', resource: 'secrets', namespace: TOKEN_NAMESPACE });
  for (const s of items) {
    if (s.type !== TOKEN_SECRET_TYPE) continue;
    const data = (s.data ?? {}) as Record<string, string>;
    if (decode(data.user) === `system:node:${node}`) return decode(data.token);
  }
  return undefined;
}
