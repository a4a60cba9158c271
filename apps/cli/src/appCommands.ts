import fs, { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import git from 'isomorphic-git';
import { redactCredentials, type KubeObject } from '@skiff/apimachinery';
import { colorizeDiff, entriesOfEnvironment, resolveRevision } from '@skiff/gitops';
import { credentialLookup, DEFAULT_REPO_SECRETS_NAMESPACE, previewSync, RepoSources, specOf, statusOf, type ManifestRef, type PlannedChange } from '@skiff/git-watcher';
import { ApiDiscovery, resourceType, type ApiClient } from '@skiff/kube-client';
import { pino } from 'pino';
import { clientFromKubeconfig } from './agent.js';

export const APPLICATIONS = resourceType('applications', 'skiff.dev');

export interface AppCommandOptions {
  namespace: string;
  kubeconfig: string;
}

/** Exit codes as `kubectl diff` has them: 0 nothing would change, 1 something would, >1 an error. */
export const DIFF_FOUND = 1;
export const DIFF_ERROR = 2;

/**
 * `skiff app diff NAME [--revision REV | --local DIR]`: what a sync would change, object by
 * object, as the server's dry run sees it. Without options it compares the Application's target
 * revision (the branch head), with --revision any commit of its repository, with --local a
 * folder on this machine (manifests being edited, not yet committed).
 */
export async function appDiff(name: string, opts: AppCommandOptions & { revision?: string; local?: string; color: boolean }): Promise<number> {
  const { client } = clientFromKubeconfig(opts.kubeconfig);
  const app = await client.get(APPLICATIONS, opts.namespace, name);
  const read = opts.local ? await readLocalFolder(app, opts.local) : await readRevision(client, app, opts.revision);
  if (!read.ok) {
    for (const e of read.errors) console.error(`${e.file}:${e.line}${e.field ? ` ${e.field}` : ''}: ${e.message}`);
    return DIFF_ERROR;
  }
  const preview = await previewSync(client, app, read.manifests, read.revision, new ApiDiscovery(client));
  if (!preview.ok) {
    for (const e of preview.errors) console.error(`${e.file}:${e.line}${e.field ? ` ${e.field}` : ''}: ${e.message}`);
    return DIFF_ERROR;
  }
  const changed = preview.changes.filter((c) => c.action !== 'unchanged');
  for (const c of changed) process.stdout.write(`===== ${c.key} (${c.action})\n${opts.color ? colorizeDiff(c.diff) : c.diff}`);
  console.error(summary(preview.changes, read.revision));
  return changed.length ? DIFF_FOUND : 0;
}

function summary(changes: readonly PlannedChange[], revision: string): string {
  const count = (a: PlannedChange['action']) => changes.filter((c) => c.action === a).length;
  return `${revision}: ${count('create')} to create, ${count('update')} to update, ${count('delete')} to delete, ${count('unchanged')} unchanged`;
}

type Read = { ok: true; manifests: ManifestRef[]; revision: string } | { ok: false; errors: { file: string; line: number; field?: string; message: string }[] };

/** The Application's manifests at a commit of its repository (the target revision's head by default). */
async function readRevision(client: ApiClient, app: KubeObject, revision: string | undefined): Promise<Read> {
  const spec = specOf(app);
  const cacheDir = mkdtempSync(join(tmpdir(), 'skiff-diff-'));
  const log = pino({ level: 'silent' });
  const credentials = credentialLookup({ client, namespace: DEFAULT_REPO_SECRETS_NAMESPACE, env: entriesOfEnvironment(process.env), log });
  const sources = new RepoSources({ cacheDir, log, credentials, onChange: () => {} });
  try {
    const appRef = { namespace: app.metadata.namespace!, name: app.metadata.name! };
    const source = await sources.resolve(appRef, spec, {}, new Date());
    if (!source.ok) return { ok: false, errors: [{ file: redactCredentials(spec.source.repoURL), line: 0, message: source.message }] };
    let sha = source.sha;
    if (revision) {
      const resolved = await resolveRevision(source.gitdir, revision);
      if (!resolved.ok) return { ok: false, errors: [{ file: redactCredentials(spec.source.repoURL), line: 0, message: `revision ${revision}: ${resolved.errors.map((e) => e.message).join('; ')}` }] };
      sha = resolved.sha;
    }
    const read = await sources.manifests({ ...source, sha }, spec, appRef);
    return read.ok ? { ok: true, manifests: read.manifests, revision: sha } : read;
  } finally {
    await sources.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

/**
 * The manifests of a folder on this machine, rendered as the git watcher renders the Application's
 * folder (kustomize, Helm, jsonnet or plain, with the Application's options): the folder is
 * committed to a throwaway repository first, since rendering reads a commit's tree.
 */
async function readLocalFolder(app: KubeObject, dir: string): Promise<Read> {
  const spec = specOf(app);
  const work = mkdtempSync(join(tmpdir(), 'skiff-diff-local-'));
  const sources = new RepoSources({ cacheDir: work, log: pino({ level: 'silent' }), onChange: () => {} });
  try {
    const repo = join(work, 'repo');
    cpSync(dir, repo, { recursive: true, filter: (src) => basename(src) !== '.git' });
    await git.init({ fs, dir: repo, defaultBranch: 'main' });
    await git.add({ fs, dir: repo, filepath: '.' });
    const sha = await git.commit({ fs, dir: repo, message: 'skiff app diff --local', author: { name: 'skiff', email: 'skiff@localhost' } });
    const appRef = { namespace: app.metadata.namespace!, name: app.metadata.name! };
    const read = await sources.manifests({ ok: true, local: true, dir: repo, gitdir: join(repo, '.git'), sha }, { ...spec, source: { ...spec.source, path: '.' } }, appRef);
    return read.ok ? { ok: true, manifests: read.manifests, revision: `local folder ${dir}` } : read;
  } finally {
    await sources.close();
    rmSync(work, { recursive: true, force: true });
  }
}

/** `skiff app history NAME`: the revisions the Application ran, newest last, with the ids rollback takes. */
export async function appHistory(name: string, opts: AppCommandOptions): Promise<void> {
  const { client } = clientFromKubeconfig(opts.kubeconfig);
  const app = await client.get(APPLICATIONS, opts.namespace, name);
  const history = statusOf(app).history ?? [];
  const live = statusOf(app).sync?.revision;
  const rows = [['ID', 'DATE', 'REVISION', 'HEALTHY', 'AUTHOR', 'MESSAGE'], ...history.map((h) => [String(h.id), h.deployedAt, `${h.revision.slice(0, 7)}${h.revision === live ? ' (live)' : ''}`, h.healthy ? 'yes' : '-', h.author, h.message.split('\n')[0]])];
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  for (const r of rows) console.log(r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('   ').trimEnd());
}

/**
 * What `skiff rollback NAME TARGET` rolls back to: a history id (as `skiff app history` prints
 * it) names that entry's revision; anything else is a git ref. Ids are small numbers: a short
 * all-digit target that is no id is an error, not a commit abbreviation (git needs at least 4
 * characters for one).
 */
export function rollbackTarget(target: string, history: readonly { id: number; revision: string }[]): { revision: string; fromHistory: boolean } | { error: string } {
  if (/^\d+$/.test(target)) {
    const entry = history.find((h) => h.id === Number(target));
    if (entry) return { revision: entry.revision, fromHistory: true };
    if (target.length < 4) return { error: `no history entry with id ${target} (ids: ${history.map((h) => h.id).join(', ') || 'none'})` };
  }
  return { revision: target, fromHistory: false };
}
