import { UnauthorizedError } from '@skiff/apimachinery';
import { bearerToken, type Authenticator, type Principal } from './auth.js';

/** The cookie `/?token=...` sets, so the page's own requests (assets, EventSource) carry the token. */
export const STATUS_TOKEN_COOKIE = 'skiff_status_token';

/** The read-only status paths: the page, its assets, its event stream, and metrics. */
export function isStatusPath(pathname: string): boolean {
  return pathname === '/' || pathname === '/index.html' || pathname.startsWith('/assets/') || pathname === '/status/stream' || pathname === '/metrics';
}

export function isLoopback(address: string | undefined): boolean {
  return !!address && (address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.'));
}

export interface StatusRequest {
  remoteAddress: string | undefined;
  authorization?: string;
  /** The `token` query parameter: EventSource cannot set an Authorization header. */
  queryToken?: string;
  cookie?: string;
}

function cookieToken(header: string | undefined): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === STATUS_TOKEN_COOKIE) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/**
 * Who may read the status page: anyone on this machine (loopback) without a token; from
 * elsewhere any authenticated user, e.g. a token in tokens.json with
 * `{ "name": "viewer", "groups": ["system:authenticated"] }`. This grants only the status paths:
 * the resource API still goes through `authorize`. Returns undefined for an anonymous loopback
 * reader; throws UnauthorizedError otherwise without a valid token.
 */
export async function authenticateStatusRequest(authenticator: Authenticator, req: StatusRequest): Promise<Principal | undefined> {
  if (isLoopback(req.remoteAddress)) return undefined;
  const token = bearerToken(req.authorization) ?? (req.queryToken || undefined) ?? cookieToken(req.cookie);
  if (!token) throw new UnauthorizedError();
  const principal = await authenticator(token);
  if (!principal) throw new UnauthorizedError();
  return principal;
}

/** The request's URL with a `token` query parameter blanked, for logs. */
export function redactToken(url: string): string {
  return url.replace(/([?&]token=)[^&]*/g, '$1REDACTED');
}
