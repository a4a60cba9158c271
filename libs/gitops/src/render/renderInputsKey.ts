import fs from 'node:fs';
import path from 'node:path';
import git from 'isomorphic-git';
import { gitLocation, openRepo } from '../git/openRepo.js';
import { chooseSourceType, KUSTOMIZATION_FILES } from './chooseSourceType.js';
import { localReferences, readKustomization } from './kustomizeOverrides.js';
import { directoryFileSelected } from './matchGlob.js';
import type { RenderSource } from './sourceSpec.js';

type Where = { fs: typeof fs; dir?: string; gitdir: string };

/**
 * What a render of `source` at `commit` reads, as git object ids: the folder's tree, a chart's
 * values files, the folders a kustomization reaches. Two commits with the same key render the
 * same, so a commit to one Application of a monorepo does not re-run helm or kustomize for the
 * others. `undefined` when the inputs cannot be told from git objects alone (jsonnet imports go
 * anywhere; a symlink's target is not in its tree's id): the caller keys by commit then.
 */
export async function renderInputsKey(repoDir: string, commit: string, source: RenderSource): Promise<string | undefined> {
  return (await renderInputs(repoDir, commit, source))?.key;
}

/**
 * The key of `renderInputsKey` with the repository paths it covers (folders and files, '' for the
 * whole tree): a commit that changes none of them renders the same, so its Application need not
 * look again. `undefined` when the inputs cannot be told (every commit may change the render).
 */
export async function renderInputs(repoDir: string, commit: string, source: RenderSource): Promise<{ key: string; paths: string[] } | undefined> {
  const repo = openRepo(repoDir);
  if (!repo.ok) return undefined;
  const where: Where = { fs, ...gitLocation(repo) };
  const folder = normalize(source.path ?? '.');
  try {
    const entry = await lookup(where, commit, folder);
    if (!entry) return undefined;
    if (entry.type === 'blob') return { key: `blob:${entry.oid}`, paths: [folder] };
    if (entry.type !== 'tree') return undefined;
    const { tree } = await git.readTree({ ...where, oid: entry.oid });
    const type = chooseSourceType(source, tree.map((e) => e.path));
    const files = await listFiles(where, entry.oid, '');
    if (type === 'Directory') {
      const dir = source.directory ?? {};
      const filter = { recurse: dir.recurse ?? true, include: dir.include || undefined, exclude: dir.exclude || undefined };
      if (files.some((f) => /\.jsonnet$/i.test(f.rel) && directoryFileSelected(f.rel, filter))) return undefined;
      return { key: `Directory:${entry.oid}`, paths: [folder] };
    }
    if (files.some((f) => f.mode === '120000')) return undefined;
    if (type === 'Helm') {
      const parts = [`Helm:${entry.oid}`];
      const paths = [folder];
      for (const f of source.helm?.valueFiles ?? []) {
        const p = path.posix.normalize(join(folder, f));
        if (p.startsWith('..') || path.posix.isAbsolute(f)) return undefined;
        parts.push(`${p}=${(await lookup(where, commit, p))?.oid ?? 'missing'}`);
        paths.push(p);
      }
      return { key: parts.join(' '), paths };
    }
    const reached = new Map<string, string>();
    const ok = await reachKustomizations(where, commit, folder, entry.oid, reached);
    return ok ? { key: `Kustomize:${[...reached].map(([d, oid]) => `${d}=${oid}`).sort().join(' ')}`, paths: [...reached.keys()] } : undefined;
  } catch {
    return undefined;
  }
}

/** Adds each folder a kustomization reaches (through resources, bases, components) with its tree id. */
async function reachKustomizations(where: Where, commit: string, dir: string, treeOid: string, reached: Map<string, string>): Promise<boolean> {
  if (reached.has(dir)) return true;
  reached.set(dir, treeOid);
  const { tree } = await git.readTree({ ...where, oid: treeOid });
  if (tree.some((e) => e.mode === '120000')) return false;
  const file = tree.find((e) => (KUSTOMIZATION_FILES as readonly string[]).includes(e.path));
  if (!file) return true;
  const k = readKustomization(new TextDecoder().decode((await git.readBlob({ ...where, oid: file.oid })).blob));
  if (!k) return true;
  const names = new Set(tree.map((e) => e.path));
  for (const ref of localReferences(k, (r) => names.has(r.split('/')[0]))) {
    const p = path.posix.normalize(join(dir, ref));
    if (p.startsWith('..')) return false;
    const target = await lookup(where, commit, p === '.' ? '' : p);
    // kustomize reports a missing target; it is kept as an input all the same, since adding it changes the render.
    if (!target) {
      reached.set(p, 'missing');
      continue;
    }
    if (target.type === 'tree' && !(await reachKustomizations(where, commit, p === '.' ? '' : p, target.oid, reached))) return false;
    if (target.type === 'blob') reached.set(p, target.oid);
  }
  return true;
}

async function listFiles(where: Where, treeOid: string, prefix: string): Promise<{ rel: string; mode: string }[]> {
  const { tree } = await git.readTree({ ...where, oid: treeOid });
  const out: { rel: string; mode: string }[] = [];
  for (const e of tree) {
    const rel = prefix ? `${prefix}/${e.path}` : e.path;
    if (e.type === 'tree') out.push(...(await listFiles(where, e.oid, rel)));
    else out.push({ rel, mode: e.mode });
  }
  return out;
}

async function lookup(where: Where, commit: string, p: string): Promise<{ oid: string; type: string } | undefined> {
  if (p === '') return { oid: (await git.readTree({ ...where, oid: commit })).oid, type: 'tree' };
  const parts = p.split('/');
  const parent = parts.slice(0, -1).join('/');
  try {
    const { tree } = await git.readTree({ ...where, oid: commit, ...(parent ? { filepath: parent } : {}) });
    const e = tree.find((x) => x.path === parts.at(-1));
    return e ? { oid: e.oid, type: e.type } : undefined;
  } catch {
    return undefined;
  }
}

function normalize(p: string): string {
  return p.replace(/^\.?\/+/, '').replace(/\/+$/, '').replace(/^\.$/, '');
}

function join(a: string, b: string): string {
  return a === '' ? b : `${a}/${b}`;
}
