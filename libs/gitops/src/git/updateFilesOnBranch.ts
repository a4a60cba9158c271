import fs from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import git from 'isomorphic-git';
import { redactCredentials } from '@skiff/apimachinery';
import { boundedHttp } from './boundedHttp.js';
import { commitTreeOnBranch } from './commitTreeOnBranch.js';
import { fetchLimits, type FetchLimits } from './fetchLimits.js';
import { gitFailure, type GitAuthor, type GitFailure } from './gitResult.js';
import { gitLocation, openRepo, type LocalRepo } from './openRepo.js';
import { remoteAccess, remoteFailure, type GitCredentials } from './remoteAccess.js';
import { updateBranchRef } from './updateBranchRef.js';
import { buildTree, flattenTree, type TreeFile } from './treeEntries.js';

/** A text file of the tree being updated, path from the repository root. */
export interface TextFile {
  path: string;
  text: string;
}

/** What to commit: the new text of the files that change (none: nothing to commit), and the message. */
export type FileEdits = { files: TextFile[]; message: string } | { error: string };

export interface UpdateFilesOnBranchOptions {
  /** A local path, a file:// URL, or an http(s) URL (cloned into a temp dir, and pushed). */
  url: string;
  /** The branch whose tree is edited; undefined: the branch HEAD names (a remote's default branch)... */
  checkoutBranch?: string;
  /** ...and the branch the commit goes to (default: the checkout branch): if it exists the edit starts from it, else it is created from the checkout branch. */
  pushBranch?: string;
  /** Only files under this directory whose names match `pattern` are offered to `edit`. */
  dir: string;
  pattern: RegExp;
  author: GitAuthor;
  /** Sent only to the URL's own origin, over https (or http to a loopback host): see `remoteAccess`. */
  auth?: GitCredentials;
  /** Time and size limits of the clone, and time limits of the push, of a remote repository. */
  limits?: Partial<FetchLimits>;
  edit(files: TextFile[]): FileEdits;
}

export type UpdateFilesResult =
  | { ok: true; committed: false; base: string }
  | { ok: true; committed: true; base: string; sha: string; branch: string; changed: string[] }
  | GitFailure;

/**
 * Reads the text files under `dir` on a branch, lets `edit` decide what changes, and commits that
 * as one commit on `pushBranch`: in place for a local repository (the work tree and index follow
 * when the branch is checked out, and uncommitted edits to those files refuse the commit), or in
 * a temporary clone pushed back for a remote one. Nothing to change is no commit. A branch that
 * moved meanwhile, or a push the remote refuses, is a Conflict value: nothing is forced.
 */
export async function updateFilesOnBranch(options: UpdateFilesOnBranchOptions): Promise<UpdateFilesResult> {
  const local = localPath(options.url);
  if (local !== undefined) {
    const repo = openRepo(local);
    if (!repo.ok) return repo;
    const checkoutBranch = options.checkoutBranch ?? (await git.currentBranch({ fs, ...gitLocation(repo) }));
    if (!checkoutBranch) return gitFailure('Unsupported', `HEAD of ${repo.dir} is detached; name the branch to update`);
    return commitEdits(repo, { ...options, checkoutBranch, pushBranch: options.pushBranch ?? checkoutBranch });
  }
  const access = remoteAccess(options.url, options.auth);
  if (!access.ok) return access;
  const { url, onAuth } = access;
  const limits = fetchLimits(options.limits);
  const dir = await mkdtemp(path.join(tmpdir(), 'skiff-image-update-'));
  let checkoutBranch: string | undefined;
  try {
    const fetching = boundedHttp(access.http, limits);
    const http = fetching.http;
    try {
      await git.clone({ fs, http, dir, url, ...(options.checkoutBranch ? { ref: options.checkoutBranch } : {}), singleBranch: true, depth: 1, noCheckout: true, noTags: true, onAuth });
      checkoutBranch = options.checkoutBranch ?? (await git.currentBranch({ fs, dir })) ?? undefined;
      if (options.pushBranch && options.pushBranch !== checkoutBranch) {
        await git.fetch({ fs, http, dir, url, remote: 'origin', ref: options.pushBranch, singleBranch: true, depth: 1, tags: false, onAuth }).catch(() => undefined);
      }
    } catch (err) {
      return remoteFailure(`cloning ${url}`, err, 'Fetch', fetching.exceeded());
    } finally {
      fetching.close();
    }
    // Only the tip is read and the commit's parent is the remote's tip, so a shallow clone is
    // enough to push. The clone has no work tree: edit it as a bare repository, branches from
    // the remote's refs.
    if (!checkoutBranch) return gitFailure('NotFound', `${url} has no default branch; name the branch to update`);
    const pushBranch = options.pushBranch ?? checkoutBranch;
    const repo: LocalRepo = { dir: path.join(dir, '.git'), gitdir: path.join(dir, '.git'), bare: true };
    const result = await commitEdits(repo, { ...options, checkoutBranch, pushBranch }, 'refs/remotes/origin/');
    if (!result.ok || !result.committed) return result;
    // The push's answer is a few status lines: its size cap is the fetch's, its clock a new one.
    const pushing = boundedHttp(access.http, limits);
    try {
      const pushed = await git.push({ fs, http: pushing.http, dir, url, ref: pushBranch, remoteRef: pushBranch, onAuth });
      if (!pushed.ok) return gitFailure('Conflict', `pushing to ${url}: ${pushed.error ?? 'refused'}`);
    } catch (err) {
      return remoteFailure(`pushing to ${url}`, err, 'Conflict', pushing.exceeded());
    } finally {
      pushing.close();
    }
    return result;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function commitEdits(repo: LocalRepo, options: UpdateFilesOnBranchOptions & { checkoutBranch: string; pushBranch: string }, readPrefix = 'refs/heads/'): Promise<UpdateFilesResult> {
  const where = { fs, ...gitLocation(repo) };
  const resolve = (ref: string) => git.resolveRef({ ...where, ref }).catch(() => null);
  const checkoutHead = await resolve(`${readPrefix}${options.checkoutBranch}`);
  if (checkoutHead === null) return gitFailure('NotFound', `branch ${options.checkoutBranch} not found in ${redactCredentials(options.url)}`);
  const pushRef = `refs/heads/${options.pushBranch}`;
  const pushHead = options.pushBranch === options.checkoutBranch ? checkoutHead : await resolve(`${readPrefix}${options.pushBranch}`);
  const base = pushHead ?? checkoutHead;

  const tree = await flattenTree(where, base);
  const root = options.dir.replace(/^\.?\/+/, '').replace(/\/+$/, '').replace(/^\.$/, '');
  const offered: TextFile[] = [];
  for (const [p, file] of [...tree].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (file.type !== 'blob' || file.mode === '120000' || !options.pattern.test(p)) continue;
    if (root !== '' && p !== root && !p.startsWith(`${root}/`)) continue;
    const { blob } = await git.readBlob({ ...where, oid: file.oid });
    offered.push({ path: p, text: Buffer.from(blob).toString('utf8') });
  }
  const edits = options.edit(offered);
  if ('error' in edits) return gitFailure('Unsupported', edits.error);
  if (edits.files.length === 0) return { ok: true, committed: false, base };

  const next = new Map<string, TreeFile>(tree);
  for (const f of edits.files) {
    const oid = await git.writeBlob({ ...where, blob: Buffer.from(f.text, 'utf8') });
    next.set(f.path, { oid, mode: tree.get(f.path)?.mode ?? '100644', type: 'blob' });
  }

  // The checked-out branch of a work tree: its work tree and index come along.
  if (!repo.bare && (await git.currentBranch({ ...where, fullname: true })) === pushRef) {
    const committed = await commitTreeOnBranch(repo, next, edits.message, options.author, base);
    return committed.ok ? { ok: true, committed: true, base, sha: committed.sha, branch: committed.branch, changed: committed.changed } : committed;
  }
  const signature = { name: options.author.name, email: options.author.email, timestamp: options.author.timestamp ?? Math.floor(Date.now() / 1000), timezoneOffset: options.author.timezoneOffset ?? 0 };
  const sha = await git.commit({ ...where, message: edits.message, author: signature, committer: signature, tree: await buildTree(where, next), parent: [base], noUpdateBranch: true });
  const expected = readPrefix === 'refs/heads/' ? pushHead : await resolve(pushRef);
  const moved = await updateBranchRef(repo.gitdir, pushRef, expected, sha);
  if (!moved.ok) return moved;
  return { ok: true, committed: true, base, sha, branch: options.pushBranch, changed: edits.files.map((f) => f.path) };
}

function localPath(url: string): string | undefined {
  if (url.startsWith('file://')) return fileURLToPath(url);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || /^[^/]+@[^:]+:/.test(url)) return undefined;
  return url;
}
