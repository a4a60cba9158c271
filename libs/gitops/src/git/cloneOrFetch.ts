import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import git from 'isomorphic-git';
import { redactCredentials } from '@skiff/apimachinery';
import { boundedHttp } from './boundedHttp.js';
import { fetchLimits, type FetchLimits } from './fetchLimits.js';
import { gitFailure, type GitFailure } from './gitResult.js';
import { openRepo } from './openRepo.js';
import { isSshURL, remoteAccess, remoteFailure, type GitCredentials } from './remoteAccess.js';
import { fetchOverSsh } from './sshFetch.js';
import { resolveRevision } from './resolveRevision.js';

export interface CloneOrFetchOptions {
  /** `https://...`, `http://...`, `file:///path`, or a local path (work tree or bare repo). */
  url: string;
  /** Where remote repos are cloned, one directory per URL; unused for local repos. */
  cacheDir: string;
  /** Branch or tag; for local repos anything `resolveRevision` accepts. */
  ref: string;
  /** Sent only to the URL's own origin, over https (or http to a loopback host): see `remoteAccess`. */
  auth?: GitCredentials;
  /** Shallow depth for remote repos; 1 by default, since only the tip is synced. */
  depth?: number;
  /** Time and size limits of one fetch of a remote repo; `DEFAULT_FETCH_LIMITS` for what is unset. */
  limits?: Partial<FetchLimits>;
}

export interface FetchedRepo {
  ok: true;
  /** For remote repos the cache directory; for local repos the repo itself (its git dir when bare). */
  dir: string;
  gitdir: string;
  sha: string;
  local: boolean;
}

/**
 * Gets the commit `ref` names. Remote repos are cloned once into `cacheDir` (objects only, no
 * checkout: manifests are read from git objects) and fetched afterwards. isomorphic-git has no
 * file:// transport, and copying a local repo would only add latency, so local repos are read in
 * place. Network and auth failures are returned as values; the watcher retries them. A remote
 * fetch is bounded in time and size (`limits`): a stalled or huge remote fails with a `Fetch`
 * failure saying which limit it hit, instead of holding the caller or its memory.
 */
export async function cloneOrFetch(options: CloneOrFetchOptions): Promise<FetchedRepo | GitFailure> {
  const local = localPath(options.url);
  if (local !== undefined) {
    const repo = openRepo(local);
    if (!repo.ok) return repo;
    const resolved = await resolveRevision(repo.dir, options.ref);
    if (!resolved.ok) return resolved;
    return { ok: true, dir: repo.dir, gitdir: repo.gitdir, sha: resolved.sha, local: true };
  }
  return fetchRemote(options);
}

function localPath(url: string): string | undefined {
  if (url.startsWith('file://')) return fileURLToPath(url);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^[^/]+@[^:]+:/.test(url)) return undefined;
  return url;
}

/** One cache directory per URL without credentials: readable host/path plus a hash against collisions. */
export function cacheDirFor(cacheDir: string, url: string): string {
  const clean = redactCredentials(url);
  const readable = clean.replace(/^[a-z]+:\/\//i, '').replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 80);
  const hash = createHash('sha256').update(clean).digest('hex').slice(0, 12);
  return path.join(cacheDir, `${readable}-${hash}`);
}

async function fetchRemote(options: CloneOrFetchOptions): Promise<FetchedRepo | GitFailure> {
  if (isSshURL(options.url)) return fetchSsh(options);
  const access = remoteAccess(options.url, options.auth);
  if (!access.ok) return access;
  const { url, onAuth } = access;
  const bounded = boundedHttp(access.http, fetchLimits(options.limits));
  const http = bounded.http;
  const dir = cacheDirFor(options.cacheDir, url);
  const gitdir = path.join(dir, '.git');
  const depth = options.depth ?? 1;
  try {
    if (!fs.existsSync(path.join(gitdir, 'HEAD'))) {
      await fs.promises.rm(dir, { recursive: true, force: true });
      await git.clone({ fs, http, dir, gitdir, url, ref: options.ref, singleBranch: true, depth, noCheckout: true, noTags: true, onAuth });
      const sha = await firstResolvable(gitdir, [`refs/remotes/origin/${options.ref}`, `refs/tags/${options.ref}`, 'HEAD']);
      if (!sha) return gitFailure('NotFound', `ref ${options.ref} not found at ${url}`);
      return { ok: true, dir, gitdir, sha, local: false };
    }
    const result = await git.fetch({ fs, http, gitdir, url, ref: options.ref, singleBranch: true, depth, tags: false, onAuth });
    if (!result.fetchHead) return gitFailure('NotFound', `ref ${options.ref} not found at ${url}`);
    return { ok: true, dir, gitdir, sha: result.fetchHead, local: false };
  } catch (err) {
    return remoteFailure(url, err, 'Fetch', bounded.exceeded());
  } finally {
    bounded.close();
  }
}

async function fetchSsh(options: CloneOrFetchOptions): Promise<FetchedRepo | GitFailure> {
  const shown = redactCredentials(options.url);
  if (!options.auth?.sshPrivateKey) return gitFailure('Unauthorized', `${shown}: an ssh repository needs a repository Secret with sshPrivateKey (or use an https:// URL)`);
  const dir = cacheDirFor(options.cacheDir, options.url);
  const fetched = await fetchOverSsh(options.url, dir, options.ref, options.depth ?? 1, {
    privateKey: options.auth.sshPrivateKey,
    knownHosts: options.auth.knownHosts ?? '',
    insecureIgnoreHostKey: options.auth.insecureIgnoreHostKey,
  }, fetchLimits(options.limits));
  if (!fetched.ok) return fetched;
  return { ok: true, dir, gitdir: path.join(dir, '.git'), sha: fetched.sha, local: false };
}

async function firstResolvable(gitdir: string, refs: string[]): Promise<string | undefined> {
  for (const ref of refs) {
    try {
      return await git.resolveRef({ fs, gitdir, ref });
    } catch {
      // try the next candidate
    }
  }
  return undefined;
}
