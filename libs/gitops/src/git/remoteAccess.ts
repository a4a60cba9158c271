import { redactCredentials } from '@skiff/apimachinery';
import type { AuthCallback, HttpClient } from 'isomorphic-git';
import http from 'isomorphic-git/http/node';
import { fetchLimitMessage, type FetchLimitExceeded } from './fetchLimits.js';
import { gitFailure, type GitFailure } from './gitResult.js';

export interface GitCredentials {
  username: string;
  /** A password or an access token. */
  password: string;
  /** For ssh remotes (`ssh://`, `git@host:path`): the private key, used only for the fetch. */
  sshPrivateKey?: string;
  /** OpenSSH known_hosts lines the ssh server's key must be in. */
  knownHosts?: string;
  /** Argo CD's `insecure: "true"`: skip the host key check. */
  insecureIgnoreHostKey?: boolean;
}

/** How isomorphic-git talks to one remote: its URL without credentials, and credentials kept to its origin. */
export interface RemoteAccess {
  ok: true;
  url: string;
  http: HttpClient;
  onAuth?: AuthCallback;
}

const SSH_URL = /^ssh:\/\/|^[^/:@\s]+@[^/:\s]+:/i;

/** `ssh://host/path` or scp-like `git@host:path`. */
export function isSshURL(url: string): boolean {
  return SSH_URL.test(url);
}

/**
 * Loopback hosts may get credentials over plain http: the traffic never leaves the machine (as
 * browsers treat http://127.0.0.1 and http://localhost as secure contexts). A local test git
 * server needs nothing more.
 */
function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/**
 * The rules for sending credentials to a remote, as a value isomorphic-git's calls take:
 * - credentials written into the URL (`https://user:token@host/...`) are taken out of it, so the
 *   URL isomorphic-git stores in the clone's config and puts in errors holds none, and are treated
 *   like configured ones (the URL's own win);
 * - credentials go only to the repository's own origin (scheme, host, port): a redirect to
 *   another host, or a server on another host asking with 401, never gets them;
 * - credentials go only over https (or http to a loopback host); a plain http remote that would
 *   need them is refused with a failure saying so, never fetched with them.
 * ssh remotes are refused here: isomorphic-git has no ssh transport (cloneOrFetch fetches them
 * with git and ssh; pushing to them is not supported).
 */
export function remoteAccess(url: string, auth?: GitCredentials): RemoteAccess | GitFailure {
  if (isSshURL(url)) return gitFailure('Unsupported', `${redactCredentials(url)}: pushing to ssh repositories is not supported; use an https:// URL with a token`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return gitFailure('Unsupported', `${redactCredentials(url)}: not a valid repository URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return gitFailure('Unsupported', `${redactCredentials(url)}: unsupported scheme ${parsed.protocol}; use https://`);
  const inURL = parsed.username || parsed.password ? { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) } : undefined;
  parsed.username = '';
  parsed.password = '';
  const clean = parsed.href;
  const credentials = inURL ?? auth;
  if (!credentials) return { ok: true, url: clean, http: originBound(undefined) };
  if (parsed.protocol === 'http:' && !isLoopback(parsed.hostname)) {
    return gitFailure('Unauthorized', `${clean}: credentials are not sent over plain http; use an https:// URL`);
  }
  const origin = parsed.origin;
  return {
    ok: true,
    url: clean,
    http: originBound(origin),
    onAuth: (asked) => (sameOrigin(asked, origin) ? { ...credentials } : { cancel: true }),
  };
}

function sameOrigin(url: string, origin: string): boolean {
  try {
    return new URL(url).origin === origin;
  } catch {
    return false;
  }
}

/**
 * isomorphic-git's node client, with the Authorization header removed from every request that is
 * not to `origin`: after a redirect isomorphic-git sends its next requests to the new URL, with
 * the credentials it got for the first.
 */
function originBound(origin: string | undefined): HttpClient {
  return {
    request(req) {
      if (origin !== undefined && sameOrigin(req.url, origin)) return http.request(req);
      const headers = Object.fromEntries(Object.entries(req.headers ?? {}).filter(([name]) => name.toLowerCase() !== 'authorization'));
      return http.request({ ...req, headers });
    },
  };
}

/**
 * A failure of an isomorphic-git remote call as a value, its message without credentials; when a
 * limit of `boundedHttp` ended the call (`exceeded`), that limit is the message.
 */
export function remoteFailure(what: string, err: unknown, otherwise: 'Fetch' | 'Conflict', exceeded?: FetchLimitExceeded): GitFailure {
  if (exceeded) return gitFailure('Fetch', `${what}: ${fetchLimitMessage(exceeded)}`);
  const e = err as { code?: string; data?: { statusCode?: number }; message?: string };
  const message = redactCredentials(e.message ?? String(err));
  const status = e.data?.statusCode;
  if (status === 401 || status === 403 || /\b(401|403)\b/.test(message)) return gitFailure('Unauthorized', `${what}: ${message}; check the repository credentials`);
  if (e.code === 'NotFoundError') return gitFailure('NotFound', `${what}: ${message}`);
  return gitFailure(otherwise, `${what}: ${message}`);
}
