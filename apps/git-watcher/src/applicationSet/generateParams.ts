import { load } from 'js-yaml';
import type { CommitTree } from '@skiff/gitops';
import { flattenParams, pathParams, renderTemplate, type Params } from './renderTemplate.js';

type Json = Record<string, unknown>;

/** Reads a repository's tree at a revision (the git watcher's RepoSources, or a test's map). */
export interface GitReader {
  tree(repoURL: string, revision: string): Promise<{ ok: true; tree: CommitTree } | { ok: false; message: string }>;
}

export type ParamsResult = { ok: true; params: Params[] } | { ok: false; message: string };

/**
 * The parameter sets of one ApplicationSet generator: `list` (its elements), `git` directories
 * (each directory matching a path glob, minus `exclude: true` ones) or files (each JSON/YAML file
 * matching, its fields as parameters), `matrix` (every combination of two generators' sets; the
 * second may use the first's parameters) and `merge` (the first generator's sets, with the fields
 * of later sets that agree on `mergeKeys` laid over them).
 */
export async function generateParams(generator: Json, reader: GitReader, goTemplate: boolean): Promise<ParamsResult> {
  if (isObject(generator.list)) return listParams(generator.list, goTemplate);
  if (isObject(generator.git)) return gitParams(generator.git, reader, goTemplate);
  if (isObject(generator.matrix)) return matrixParams(generator.matrix, reader, goTemplate);
  if (isObject(generator.merge)) return mergeParams(generator.merge, reader, goTemplate);
  const kind = Object.keys(generator).find((k) => k !== 'selector' && k !== 'template') ?? '<none>';
  return { ok: false, message: `generator ${kind} is not supported by Skiff (list, git, matrix and merge are)` };
}

function listParams(list: Json, goTemplate: boolean): ParamsResult {
  const elements = Array.isArray(list.elements) ? list.elements : [];
  if (!elements.every(isObject)) return { ok: false, message: 'list generator: every element must be an object' };
  return { ok: true, params: elements.map((e) => (goTemplate ? structuredClone(e) : flattenParams(e))) };
}

async function gitParams(git: Json, reader: GitReader, goTemplate: boolean): Promise<ParamsResult> {
  const repoURL = typeof git.repoURL === 'string' ? git.repoURL : '';
  if (!repoURL) return { ok: false, message: 'git generator: repoURL is required' };
  const read = await reader.tree(repoURL, typeof git.revision === 'string' && git.revision ? git.revision : 'HEAD');
  if (!read.ok) return read;
  const { entries } = read.tree;
  if (Array.isArray(git.directories)) {
    const rules = git.directories.filter(isObject).map((d) => ({ glob: globRegExp(String(d.path ?? '')), exclude: d.exclude === true }));
    const dirs = entries.filter((e) => e.type === 'tree' && rules.some((r) => !r.exclude && r.glob.test(e.path)) && !rules.some((r) => r.exclude && r.glob.test(e.path)));
    return { ok: true, params: dirs.map((d) => pathParams(d.path, goTemplate)) };
  }
  if (Array.isArray(git.files)) {
    const globs = git.files.filter(isObject).map((f) => globRegExp(String(f.path ?? '')));
    const params: Params[] = [];
    for (const file of entries.filter((e) => e.type === 'blob' && globs.some((g) => g.test(e.path)))) {
      let doc: unknown;
      try {
        doc = load(await read.tree.readText(file.path));
      } catch (err) {
        return { ok: false, message: `git generator: ${file.path}: ${(err as Error).message.split('\n')[0]}` };
      }
      // A file holding a list gives one parameter set per element, as Argo CD reads it.
      for (const item of Array.isArray(doc) ? doc : [doc]) {
        if (!isObject(item)) return { ok: false, message: `git generator: ${file.path}: must hold an object or a list of objects` };
        const dir = file.path.includes('/') ? file.path.slice(0, file.path.lastIndexOf('/')) : '';
        const name = file.path.slice(file.path.lastIndexOf('/') + 1);
        params.push({ ...(goTemplate ? structuredClone(item) : flattenParams(item)), ...pathParams(dir, goTemplate, name) });
      }
    }
    return { ok: true, params };
  }
  return { ok: false, message: 'git generator: one of directories or files is required' };
}

async function matrixParams(matrix: Json, reader: GitReader, goTemplate: boolean): Promise<ParamsResult> {
  const gens = Array.isArray(matrix.generators) ? matrix.generators.filter(isObject) : [];
  if (gens.length !== 2) return { ok: false, message: `matrix generator: exactly 2 child generators are needed, ${gens.length} given` };
  const first = await generateParams(gens[0], reader, goTemplate);
  if (!first.ok) return first;
  const out: Params[] = [];
  for (const a of first.params) {
    // The second generator may name the first's parameters (a git path from a list element).
    const second = renderTemplate(gens[1], a, goTemplate);
    if (!second.ok) return { ok: false, message: `matrix generator: ${second.message}` };
    const b = await generateParams(second.value, reader, goTemplate);
    if (!b.ok) return b;
    for (const p of b.params) out.push({ ...a, ...p });
  }
  return { ok: true, params: out };
}

async function mergeParams(merge: Json, reader: GitReader, goTemplate: boolean): Promise<ParamsResult> {
  const gens = Array.isArray(merge.generators) ? merge.generators.filter(isObject) : [];
  const keys = Array.isArray(merge.mergeKeys) ? merge.mergeKeys.map(String) : [];
  if (gens.length < 2) return { ok: false, message: 'merge generator: at least 2 child generators are needed' };
  if (!keys.length) return { ok: false, message: 'merge generator: mergeKeys is required' };
  const sets: Params[][] = [];
  for (const g of gens) {
    const r = await generateParams(g, reader, goTemplate);
    if (!r.ok) return r;
    sets.push(r.params);
  }
  const keyOf = (p: Params) => JSON.stringify(keys.map((k) => (goTemplate ? lookupPath(p, k) : p[k])));
  const base = sets[0].map((p) => structuredClone(p));
  for (const later of sets.slice(1)) {
    const byKey = new Map(later.map((p) => [keyOf(p), p]));
    for (let i = 0; i < base.length; i++) {
      const over = byKey.get(keyOf(base[i]));
      if (over) base[i] = { ...base[i], ...over };
    }
  }
  return { ok: true, params: base };
}

function lookupPath(p: Params, path: string): unknown {
  let v: unknown = p;
  for (const part of path.split('.')) v = isObject(v) ? v[part] : undefined;
  return v;
}

/** A git generator's path glob: `*` and `?` stay within one directory, `**` crosses directories. */
export function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
