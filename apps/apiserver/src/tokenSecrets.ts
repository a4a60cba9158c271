import { timingSafeEqual } from 'node:crypto';
import { TOKEN_NAMESPACE, TOKEN_SECRET_TYPE, tokenHash, tokenSecretName } from '@skiff/apimachinery';
import type { Store } from '@skiff/store';
import type { Authenticator, Principal } from './auth.js';

function decode(v: unknown): string {
  return typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : '';
}

export function secretTokenAuthenticator(store: Store, cacheMs = 5000): Authenticator {
  const cache = new Map<string, { at: number; principal: Principal | undefined }>();
  return async (token) => {
    const hit = cache.get(token);
    if (hit && Date.now() - hit.at < cacheMs) return hit.principal;
    const secret = await store.get({ group: '', resource: 'secrets', namespace: TOKEN_NAMESPACE, name: tokenSecretName(token) });
    let principal: Principal | undefined;
    if (secret && secret.type === TOKEN_SECRET_TYPE) {
      const data = (secret.data ?? {}) as Record<string, string>;
      // User tokens keep only their hash; node tokens the token itself (see tokenSecret).
      const stored = Buffer.from(data.tokenHash ? decode(data.tokenHash) : decode(data.token));
      const given = Buffer.from(data.tokenHash ? tokenHash(token) : token);
      if (stored.length === given.length && timingSafeEqual(stored, given)) {
        principal = { name: decode(data.user), groups: decode(data.groups).split(',').filter(Boolean) };
      }
    }
    if (cache.size > 10_000) cache.clear();
    cache.set(token, { at: Date.now(), principal });
    return principal;
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
