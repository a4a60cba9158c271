import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { cloneOrFetch, commitInfo, lineOfField, parseManifests, readManifestsAtCommit, refsPathsToWatch, resolveRevision, revertTo } from '@skiff/gitops';
import type { Logger } from 'pino';
import { localRepoPath, type ApplicationSpec } from './applicationSpec.js';
import type { DesiredError, ManifestRef } from './desiredObjects.js';
import { REFRESH, type AppRef } from './tracking.js';

export type SourceResult =
  | { ok: true; local: boolean; dir: string; gitdir: string; sha: string; requeueAfterMs?: number }
  | { ok: false; message: string; retryAfterMs: number };

export type ManifestsResult =
  | { ok: true; manifests: ManifestRef[]; texts: Map<string, { text: string; lineOf(docLine: number, field: string): number | undefined }> }
  | { ok: false; errors: DesiredError[] };

interface RemoteState {
  dir: string;
  gitdir: string;
  fetchedAt: number;
  refreshSeen?: string;
  sha?: string;
}

export interface RepoSourcesOptions {
  /** Clones of remote repositories live here (DATA_DIR/git-cache). */
  cacheDir: string;
  log: Logger;
  /** Credentials for remote repositories (SKIFF_GIT_USERNAME / SKIFF_GIT_PASSWORD). */
  auth?: { username: string; password: string };
  /** A watched local repository's refs changed: these Applications should look again. */
  onChange(apps: AppRef[]): void;
  /** How often remote repositories are fetched when an Application does not say (ms). */
  defaultRefreshMs?: number;
  author?: { name: string; email: string };
}

/**
 * Where Applications' revisions come from. Local repositories (a path or file://) are read in
 * place and their refs watched with chokidar, so a commit is seen in milliseconds. Remote ones are
 * cloned into the cache and fetched on each Application's interval, or at once when its
 * `skiff.dev/refresh` annotation changes (the git webhook sets it).
 */
export function failureText(f: { errors: { message: string }[] }): string {
  return f.errors.map((e) => e.message).join('; ');
}

export class RepoSources {
  private readonly watchers = new Map<string, { watcher: FSWatcher; apps: Set<string> }>();
  private readonly appWatch = new Map<string, string>();
  private readonly remotes = new Map<string, RemoteState>();
  private readonly parsed = new Map<string, ManifestsResult>();

  constructor(private readonly opts: RepoSourcesOptions) {}

  async resolve(app: AppRef, spec: ApplicationSpec, annotations: Record<string, string>, now: Date): Promise<SourceResult> {
    const ref = spec.source.targetRevision || 'HEAD';
    const local = localRepoPath(spec.source.repoURL);
    try {
      if (local) {
        const repo = await cloneOrFetch({ url: local, cacheDir: this.opts.cacheDir, ref });
        if (!repo.ok) return { ok: false, message: `repository ${spec.source.repoURL} at ${ref}: ${failureText(repo)}`, retryAfterMs: 5000 };
        this.watchLocal(app, repo.gitdir, ref);
        return { ok: true, local: true, dir: repo.dir, gitdir: repo.gitdir, sha: repo.sha };
      }
      const intervalMs = (spec.refreshIntervalSeconds ?? 0) * 1000 || this.opts.defaultRefreshMs || 60_000;
      const key = `${spec.source.repoURL}#${ref}`;
      const state = this.remotes.get(key);
      const refresh = annotations[REFRESH];
      const due = !state || now.getTime() - state.fetchedAt >= intervalMs || (refresh !== undefined && refresh !== state.refreshSeen);
      if (due) {
        const repo = await cloneOrFetch({ url: spec.source.repoURL, cacheDir: this.opts.cacheDir, ref, auth: this.opts.auth });
        if (!repo.ok) return { ok: false, message: `repository ${spec.source.repoURL} at ${ref}: ${failureText(repo)}`, retryAfterMs: Math.min(intervalMs, 15_000) };
        this.remotes.set(key, { dir: repo.dir, gitdir: repo.gitdir, fetchedAt: now.getTime(), refreshSeen: refresh, sha: repo.sha });
        this.opts.log.info({ repo: spec.source.repoURL, ref, sha: repo.sha }, 'fetched');
        return { ok: true, local: false, dir: repo.dir, gitdir: repo.gitdir, sha: repo.sha, requeueAfterMs: intervalMs };
      }
      // The commit the last fetch found: resolving `ref` in the clone could name the local branch, which a fetch does not move.
      if (state.sha) return { ok: true, local: false, dir: state.dir, gitdir: state.gitdir, sha: state.sha, requeueAfterMs: Math.max(0, state.fetchedAt + intervalMs - now.getTime()) };
      const resolved = await resolveRevision(state.gitdir, ref);
      if (!resolved.ok) return { ok: false, message: `repository ${spec.source.repoURL} at ${ref}: ${failureText(resolved)}`, retryAfterMs: 5000 };
      return { ok: true, local: false, dir: state.dir, gitdir: state.gitdir, sha: resolved.sha, requeueAfterMs: Math.max(0, state.fetchedAt + intervalMs - now.getTime()) };
    } catch (err) {
      return { ok: false, message: `repository ${spec.source.repoURL} at ${ref}: ${(err as Error).message}`, retryAfterMs: 5000 };
    }
  }

  /** The manifests under `path` at the source's commit (parsed once per commit and path). */
  async manifests(source: Extract<SourceResult, { ok: true }>, path: string): Promise<ManifestsResult> {
    const key = `${source.gitdir}\0${source.sha}\0${path}`;
    const cached = this.parsed.get(key);
    if (cached) return cached;
    const files = await readManifestsAtCommit(source.gitdir, source.sha, path);
    let result: ManifestsResult;
    if (!files.ok) {
      result = { ok: false, errors: [{ file: path, line: 0, message: failureText(files) }] };
    } else {
      const parsed = parseManifests(files.files);
      const texts = new Map(files.files.map((f) => [f.path, { text: f.text, lineOf: (docLine: number, field: string) => lineOfField(f.text, docLine, field) }]));
      result = parsed.ok ? { ok: true, manifests: parsed.objects.map((m) => ({ object: m.object, file: m.file, line: m.line })), texts } : { ok: false, errors: parsed.errors };
    }
    if (this.parsed.size > 50) this.parsed.delete(this.parsed.keys().next().value!);
    this.parsed.set(key, result);
    return result;
  }

  commit(source: Extract<SourceResult, { ok: true }>, sha: string): Promise<{ message: string; author: string }> {
    return commitInfo(source.gitdir, sha);
  }

  /** A commit that puts the repository's tree back to `targetSha` (local repositories). */
  async rollBack(spec: ApplicationSpec, targetSha: string): Promise<string> {
    const local = localRepoPath(spec.source.repoURL);
    if (!local) throw new Error('automatic rollback needs a local repository');
    const result = await revertTo({ dir: local, targetSha, author: this.opts.author ?? { name: 'Skiff', email: 'skiff@localhost' } });
    if (!result.ok) throw new Error(failureText(result));
    return result.sha;
  }

  forget(app: AppRef): void {
    const appKey = `${app.namespace}/${app.name}`;
    const watched = this.appWatch.get(appKey);
    if (!watched) return;
    this.appWatch.delete(appKey);
    const w = this.watchers.get(watched);
    w?.apps.delete(appKey);
    if (w && w.apps.size === 0) {
      void w.watcher.close();
      this.watchers.delete(watched);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.watchers.values()].map((w) => w.watcher.close()));
    this.watchers.clear();
  }

  private watchLocal(app: AppRef, gitdir: string, ref: string): void {
    const appKey = `${app.namespace}/${app.name}`;
    const branch = branchOfHead(gitdir, ref);
    const id = `${gitdir}#${branch}`;
    if (this.appWatch.get(appKey) === id) return;
    this.forget(app);
    let w = this.watchers.get(id);
    if (!w) {
      const apps = new Set<string>();
      const watcher = watch(refsPathsToWatch(gitdir, branch), { ignoreInitial: true, depth: 3 });
      const fire = () => this.opts.onChange([...apps].map((k) => ({ namespace: k.split('/')[0], name: k.split('/')[1] })));
      watcher.on('add', fire).on('change', fire).on('unlink', fire);
      watcher.on('error', (err) => this.opts.log.warn({ gitdir, err: (err as Error).message }, 'watching refs failed'));
      w = { watcher, apps };
      this.watchers.set(id, w);
    }
    w.apps.add(appKey);
    this.appWatch.set(appKey, id);
  }
}

/**
 * The branch whose ref moves when `ref` moves. A commit on the checked-out branch rewrites
 * refs/heads/<branch>, not the HEAD file, so following HEAD means watching the branch HEAD points
 * to (HEAD is watched too: a checkout changes it, and the next pass watches the new branch).
 * A detached HEAD is the file itself.
 */
function branchOfHead(gitdir: string, ref: string): string {
  if (ref !== 'HEAD') return ref;
  try {
    const m = /^ref: refs\/heads\/(.+)$/m.exec(readFileSync(join(gitdir, 'HEAD'), 'utf8'));
    return m ? m[1].trim() : ref;
  } catch {
    return ref;
  }
}
