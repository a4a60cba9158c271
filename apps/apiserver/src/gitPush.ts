import { createHmac, timingSafeEqual } from 'node:crypto';
import type { KubeObject } from '@skiff/apimachinery';

/**
 * The pure half of `POST /hooks/git`: who sent a delivery and whether it is genuine, what was
 * pushed, and which Applications follow it. The route in gitWebhook.ts does the I/O.
 */

export type GitProvider = 'github' | 'gitea' | 'gitlab';

export type Headers = Record<string, string | string[] | undefined>;

export interface Delivery {
  provider: GitProvider;
  /** The provider's event name: `push`, `ping`, `Push Hook`, ... */
  event: string;
}

export type Verification = { ok: true; delivery: Delivery } | { ok: false; reason: string };

function header(headers: Headers, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  if (x.length !== y.length) {
    // timingSafeEqual needs equal lengths; still compare once so a wrong length costs the same time.
    timingSafeEqual(y, y);
    return false;
  }
  return timingSafeEqual(x, y);
}

function hmacHex(secret: string, body: Buffer): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/**
 * Checks a delivery against the shared secret. Gitea also sends GitHub's headers, so its own
 * signature header is looked at first; any one valid proof is enough.
 *
 *   GitHub  X-Hub-Signature-256: sha256=<hex HMAC-SHA256(body)>, X-GitHub-Event
 *   Gitea   X-Gitea-Signature: <hex HMAC-SHA256(body)>,          X-Gitea-Event
 *   GitLab  X-Gitlab-Token: <secret>,                            X-Gitlab-Event
 */
export function verifyDelivery(headers: Headers, body: Buffer, secret: string | undefined): Verification {
  if (!secret) return { ok: false, reason: 'no git webhook secret is configured' };
  const gitea = header(headers, 'x-gitea-signature');
  if (gitea !== undefined) {
    const event = header(headers, 'x-gitea-event') ?? header(headers, 'x-github-event') ?? '';
    return safeEqual(gitea.trim().toLowerCase(), hmacHex(secret, body)) ? { ok: true, delivery: { provider: 'gitea', event } } : { ok: false, reason: 'signature mismatch' };
  }
  const github = header(headers, 'x-hub-signature-256');
  if (github !== undefined) {
    const event = header(headers, 'x-github-event') ?? '';
    return safeEqual(github.trim().toLowerCase(), `sha256=${hmacHex(secret, body)}`) ? { ok: true, delivery: { provider: 'github', event } } : { ok: false, reason: 'signature mismatch' };
  }
  const gitlab = header(headers, 'x-gitlab-token');
  if (gitlab !== undefined) {
    const event = header(headers, 'x-gitlab-event') ?? '';
    return safeEqual(gitlab, secret) ? { ok: true, delivery: { provider: 'gitlab', event } } : { ok: false, reason: 'token mismatch' };
  }
  return { ok: false, reason: 'no signature or token' };
}

export function isPushEvent(d: Delivery): boolean {
  return d.provider === 'gitlab' ? d.event === 'Push Hook' : d.event === 'push';
}

export interface Push {
  /** Every URL the payload gives for the repository, normalized (normalizeRepoURL). */
  repositories: string[];
  /** `main` for `refs/heads/main`; undefined for tag pushes. */
  branch?: string;
  defaultBranch?: string;
}

type Json = Record<string, unknown>;

function objectAt(o: unknown, key: string): Json {
  const v = typeof o === 'object' && o !== null ? (o as Json)[key] : undefined;
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {};
}

function strings(...values: unknown[]): string[] {
  return values.filter((v): v is string => typeof v === 'string' && v.length > 0);
}

/** What a push payload says was pushed, for GitHub, Gitea (same shape) and GitLab. */
export function parsePush(provider: GitProvider, payload: unknown): Push {
  let urls: string[];
  let defaultBranch: unknown;
  if (provider === 'gitlab') {
    const project = objectAt(payload, 'project');
    const repository = objectAt(payload, 'repository');
    urls = strings(project.git_http_url, project.git_ssh_url, project.web_url, project.http_url, project.ssh_url, repository.url, repository.homepage, repository.git_http_url, repository.git_ssh_url);
    defaultBranch = project.default_branch;
  } else {
    const repository = objectAt(payload, 'repository');
    urls = strings(repository.clone_url, repository.html_url, repository.ssh_url, repository.git_url, repository.url);
    defaultBranch = repository.default_branch ?? repository.master_branch;
  }
  const ref = typeof payload === 'object' && payload !== null ? (payload as Json).ref : undefined;
  const branch = typeof ref === 'string' && ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
  return {
    repositories: [...new Set(urls.map(normalizeRepoURL))],
    ...(branch ? { branch } : {}),
    ...(typeof defaultBranch === 'string' && defaultBranch ? { defaultBranch } : {}),
  };
}

/**
 * One spelling per repository, so an Application's repoURL matches whichever URL the provider
 * sends: host lower-cased, scheme, credentials, trailing `/` and `.git` dropped.
 *
 *   https://user:tok@GitHub.com/Org/Shop.git/  -> github.com/Org/Shop
 *   git@github.com:Org/Shop.git                -> github.com/Org/Shop
 *   ssh://git@github.com:22/Org/Shop.git       -> github.com/Org/Shop   (ssh ports never match http ones)
 *   http://localhost:3000/org/shop             -> localhost:3000/org/shop
 *   file:///srv/git/shop.git, /srv/git/shop    -> /srv/git/shop
 */
export function normalizeRepoURL(raw: string): string {
  let value = raw.trim();
  const scp = /^(?:[^@/\s]+@)?([^:/\s]+):(?!\/\/)(.+)$/.exec(value);
  if (scp && !/^[A-Za-z]:[\\/]/.test(value) && !/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value)) {
    value = `${scp[1].toLowerCase()}/${scp[2]}`;
  } else if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(value)) {
    try {
      const url = new URL(value);
      const scheme = url.protocol.slice(0, -1).toLowerCase();
      if (scheme === 'file') value = decodeURIComponent(url.pathname);
      else {
        const keepPort = (scheme === 'http' || scheme === 'https') && url.port !== '';
        value = `${url.hostname.toLowerCase()}${keepPort ? `:${url.port}` : ''}${url.pathname}`;
      }
    } catch {
      // Not a URL after all: compare it as written.
    }
  }
  for (;;) {
    const next = value.replace(/\/+$/, '').replace(/\.git$/, '');
    if (next === value) return value;
    value = next;
  }
}

function isDefaultRevision(revision: string): boolean {
  return revision === '' || revision === 'HEAD';
}

/**
 * Whether a push concerns an Application: same repository, and the branch it follows. An
 * Application on HEAD follows the default branch; when the payload does not say which that is,
 * any branch push refreshes it (a refresh that finds nothing new changes nothing).
 */
export function applicationFollows(app: KubeObject, push: Push): boolean {
  const source = objectAt(app.spec, 'source');
  if (typeof source.repoURL !== 'string' || !push.repositories.includes(normalizeRepoURL(source.repoURL))) return false;
  if (!push.branch) return false;
  const revision = typeof source.targetRevision === 'string' ? source.targetRevision.replace(/^refs\/heads\//, '') : '';
  if (isDefaultRevision(revision)) return push.defaultBranch === undefined || push.branch === push.defaultBranch;
  return revision === push.branch;
}
