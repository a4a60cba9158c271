import fs from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import git from 'isomorphic-git';
import yaml from 'js-yaml';
import { gitLocation, openRepo } from '../git/openRepo.js';
import { parseManifests } from '../parseManifests.js';
import type { Manifest, ManifestError, ManifestFile } from '../types.js';
import { chooseSourceType, KUSTOMIZATION_FILES } from './chooseSourceType.js';
import type { RenderTools } from './findRenderTools.js';
import { helmEnv, helmTemplateArgs, missingDependencies } from './helmTemplateArgs.js';
import { jsonnetArgs } from './jsonnetArgs.js';
import { jsonnetImportEscapes } from './jsonnetImports.js';
import { applyKustomizeOverrides, hasKustomizeOverrides, localReferences, readKustomization, remoteReferences } from './kustomizeOverrides.js';
import { materializeTree } from './materializeTree.js';
import { directoryFileSelected } from './matchGlob.js';
import { runTool } from './runTool.js';
import type { RenderSource, SourceType } from './sourceSpec.js';
import { toolError } from './toolError.js';

export interface RenderManifestsOptions {
  /** The repository (work tree or bare); only its git objects are read. */
  repoDir: string;
  commit: string;
  source: RenderSource;
  /** The Application's name (Helm's default release name). */
  appName: string;
  /** The destination namespace (Helm's `--namespace`). */
  namespace: string;
  tools: RenderTools;
  timeoutMs?: number;
  maxOutputBytes?: number;
  maxTreeBytes?: number;
}

export type RenderManifestsResult =
  | { ok: true; type: SourceType; objects: Manifest[]; files: ManifestFile[]; warnings: string[] }
  /** `transient`: a tool timed out or could not start; the same render may succeed later (not to be cached). */
  | { ok: false; type?: SourceType; errors: ManifestError[]; transient?: boolean };

export const RENDER_TIMEOUT_MS = 60_000;
export const RENDER_MAX_OUTPUT_BYTES = 32 * 1024 * 1024;
export const RENDER_MAX_TREE_BYTES = 256 * 1024 * 1024;

const MANIFEST_FILE = /\.(ya?ml|json)$/i;
const JSONNET_FILE = /\.jsonnet$/i;

type Where = { fs: typeof fs; dir?: string; gitdir: string };
type Rendered = { ok: true; files: ManifestFile[] } | { ok: false; errors: ManifestError[]; transient?: boolean };

/**
 * The objects an Application's folder declares at a commit, rendered as Argo CD's repo server
 * would (see `chooseSourceType`), then parsed by `parseManifests`. Plain manifests are read from
 * git objects directly; kustomize, Helm and jsonnet run on the commit's tree written to a temp dir
 * that is removed afterwards. Every failure is a value naming the tool, file and line.
 * A folder that renders no objects is a warning, not a silent success.
 */
export async function renderManifests(opts: RenderManifestsOptions): Promise<RenderManifestsResult> {
  const repo = openRepo(opts.repoDir);
  if (!repo.ok) return { ok: false, errors: [{ file: '.', line: 0, message: repo.errors[0].message }] };
  const where: Where = { fs, ...gitLocation(repo) };
  const folder = normalize(opts.source.path ?? '.');
  const fail = (message: string, type?: SourceType): RenderManifestsResult => ({ ok: false, ...(type ? { type } : {}), errors: [{ file: folder || '.', line: 0, message }] });
  const entry = await lookup(where, opts.commit, folder);
  if (!entry) return fail(`path ${folder || '.'} not found at ${opts.commit.slice(0, 7)}`);

  let type: SourceType = 'Directory';
  let rendered: Rendered;
  let held: number;
  if (entry.type === 'blob') {
    // A single file: read as a manifest, as before rendering existed.
    held = 1;
    rendered = MANIFEST_FILE.test(folder) ? { ok: true, files: [{ path: folder, text: await readText(where, entry.oid) }] } : { ok: true, files: [] };
  } else {
    const { tree } = await git.readTree({ ...where, oid: entry.oid });
    type = chooseSourceType(opts.source, tree.map((e) => e.path));
    const all = await listBlobs(where, entry.oid, '');
    held = all.length;
    rendered = type === 'Directory' ? await renderDirectory(where, opts, folder, all) : await withTree(opts, (root) => (type === 'Helm' ? renderHelm(root, folder, opts) : renderKustomize(root, folder, opts)));
  }
  if (!rendered.ok) return { ok: false, type, errors: rendered.errors, ...(rendered.transient ? { transient: true } : {}) };
  const parsed = parseManifests(rendered.files);
  if (!parsed.ok) return { ok: false, type, errors: parsed.errors };
  const warnings = parsed.objects.length === 0 ? [noObjectsWarning(type, folder, held)] : [];
  return { ok: true, type, objects: parsed.objects, files: rendered.files, warnings };
}

function noObjectsWarning(type: SourceType, folder: string, held: number): string {
  const what = type === 'Directory' ? 'no *.yaml, *.yml, *.json or *.jsonnet file selected declares an object' : `${type === 'Helm' ? 'helm template' : 'kustomize build'} rendered no objects`;
  return `${folder || '.'} holds ${held} file${held === 1 ? '' : 's'} but yields no objects (${type}: ${what})`;
}

/** Plain manifests (read straight from git objects) and jsonnet files (rendered in a temp tree). */
async function renderDirectory(where: Where, opts: RenderManifestsOptions, folder: string, all: { rel: string; oid: string }[]): Promise<Rendered> {
  const dir = opts.source.directory ?? {};
  const filter = { recurse: dir.recurse ?? true, include: dir.include || undefined, exclude: dir.exclude || undefined };
  const selected = all.filter((f) => directoryFileSelected(f.rel, filter)).sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  const manifests = selected.filter((f) => MANIFEST_FILE.test(f.rel));
  const jsonnets = selected.filter((f) => JSONNET_FILE.test(f.rel));
  const files = await Promise.all(manifests.map(async (f) => ({ path: join(folder, f.rel), text: await readText(where, f.oid) })));
  if (jsonnets.length === 0) return { ok: true, files };
  if (!opts.tools.jsonnet) return { ok: false, errors: [{ file: join(folder, jsonnets[0].rel), line: 0, message: 'jsonnet is not installed: install the jsonnet package (or set SKIFF_JSONNET) to render *.jsonnet files' }] };
  const out = await withTree(opts, async (root): Promise<Rendered> => {
    const escapes = await jsonnetEscapes(root, [folder, ...(dir.jsonnet?.libs ?? []).map(normalize)]);
    if (escapes.length) return { ok: false, errors: escapes };
    const rendered: ManifestFile[] = [];
    for (const f of jsonnets) {
      const file = join(folder, f.rel);
      const args = ['-J', path.join(root, folder), ...jsonnetArgs(path.join(root, file), dir.jsonnet, root)];
      const run = await runTool(opts.tools.jsonnet!, args, toolOptions(opts, path.dirname(path.join(root, file)), { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: root }));
      if (!run.ok) return { ok: false, errors: [toolError('jsonnet', failureText(run), { tempRoot: root, fallbackFile: file })], ...transient(run) };
      rendered.push({ path: `${file} (jsonnet output)`, text: jsonToYamlStream(run.stdout) });
    }
    return { ok: true, files: rendered };
  });
  return out.ok ? { ok: true, files: [...files, ...out.files] } : out;
}

/** Imports in any Jsonnet file of the tree that would read outside it (see jsonnetImportEscapes). */
async function jsonnetEscapes(root: string, jpaths: string[]): Promise<ManifestError[]> {
  const errors: ManifestError[] = [];
  const entries = (await readdir(root, { recursive: true })).filter((p) => /\.(jsonnet|libsonnet)$/i.test(p)).sort();
  for (const rel of entries) {
    const text = await readFile(path.join(root, rel), 'utf8').catch(() => '');
    const dirRel = path.posix.dirname(rel.split(path.sep).join('/'));
    for (const target of jsonnetImportEscapes(text, dirRel === '.' ? '' : dirRel, jpaths)) {
      errors.push({ file: rel, line: lineOfValue(text, target), message: `jsonnet: import ${JSON.stringify(target)} reads outside the repository` });
    }
  }
  return errors;
}

/** jsonnet prints one JSON value; an array of objects becomes one YAML document per object. */
function jsonToYamlStream(text: string): string {
  try {
    const value: unknown = JSON.parse(text);
    if (Array.isArray(value)) return value.map((v) => JSON.stringify(v, null, 2)).join('\n---\n');
  } catch {
    // Not JSON: parseManifests reports it with a line.
  }
  return text;
}

async function renderKustomize(root: string, folder: string, opts: RenderManifestsOptions): Promise<Rendered> {
  const dir = path.join(root, folder);
  const k = opts.source.kustomize ?? {};
  // Remote resources: refused (unless allowed) anywhere in the kustomizations this folder reaches.
  const remote = await findRemote(root, folder);
  if (remote.errors.length) return { ok: false, errors: remote.errors };
  if (remote.found.length && !k.allowRemoteBases) {
    return {
      ok: false,
      errors: remote.found.map((r) => ({ file: r.file, line: r.line, field: `${r.field}[${r.index}]`, message: `kustomize: remote ${r.field === 'resources' ? 'resource' : r.field.replace(/s$/, '')} ${JSON.stringify(r.value)} refused: set spec.source.kustomize.allowRemoteBases: true to allow resources from outside the repository` })),
    };
  }
  if (hasKustomizeOverrides(k)) {
    const name = (await readdir(dir)).find((n) => (KUSTOMIZATION_FILES as readonly string[]).includes(n));
    if (name) {
      const file = path.join(dir, name);
      const current = readKustomization(await readFile(file, 'utf8')) ?? {};
      await writeFile(file, yaml.dump(applyKustomizeOverrides(current, k), { lineWidth: -1 }));
    }
  }
  const useKubectl = !opts.tools.kustomize;
  const bin = opts.tools.kustomize ?? opts.tools.kubectl;
  if (!bin) return { ok: false, errors: [{ file: folder || '.', line: 0, message: 'kustomize: neither kustomize nor kubectl is installed' }] };
  const args = [useKubectl ? 'kustomize' : 'build', dir, '--load-restrictor', 'LoadRestrictionsRootOnly'];
  const run = await runTool(bin, args, toolOptions(opts, dir, { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: path.dirname(root), KUBECONFIG: '/dev/null' }));
  if (!run.ok) return { ok: false, errors: [toolError('kustomize', failureText(run), { tempRoot: root, fallbackFile: folder || '.' })], ...transient(run) };
  return { ok: true, files: [{ path: `${folder || '.'} (kustomize output)`, text: run.stdout }] };
}

interface FoundRemote {
  file: string;
  line: number;
  field: string;
  index: number;
  value: string;
}

/** Follows the kustomization in `folder` through its local bases and components. */
async function findRemote(root: string, folder: string): Promise<{ found: FoundRemote[]; errors: ManifestError[] }> {
  const found: FoundRemote[] = [];
  const errors: ManifestError[] = [];
  const seen = new Set<string>();
  const visit = async (rel: string): Promise<void> => {
    if (seen.has(rel)) return;
    seen.add(rel);
    const abs = path.join(root, rel);
    let names: string[];
    try {
      names = await readdir(abs);
    } catch {
      return; // a file resource, or missing: kustomize says so
    }
    const name = names.find((n) => (KUSTOMIZATION_FILES as readonly string[]).includes(n));
    if (!name) return;
    const file = join(rel, name);
    const text = await readFile(path.join(abs, name), 'utf8');
    let k: Record<string, unknown> | undefined;
    try {
      k = readKustomization(text);
    } catch (err) {
      errors.push({ file, line: ((err as { mark?: { line: number } }).mark?.line ?? 0) + 1, message: `kustomize: invalid YAML: ${(err as { reason?: string }).reason ?? (err as Error).message}` });
      return;
    }
    if (!k) return;
    const exists = (r: string) => fs.existsSync(path.join(abs, r));
    for (const r of remoteReferences(k, exists)) found.push({ file, line: lineOfValue(text, r.value), ...r });
    for (const local of localReferences(k, exists)) {
      const next = path.normalize(join(rel, local));
      // Outside the tree is outside the repository: the temp dir's neighbours are not the user's.
      if (next === '..' || next.startsWith('../') || path.isAbsolute(local)) {
        errors.push({ file, line: lineOfValue(text, local), message: `kustomize: ${JSON.stringify(local)} is outside the repository` });
      } else await visit(next === '.' ? '' : next);
    }
  };
  await visit(folder);
  return { found, errors };
}

function lineOfValue(text: string, value: string): number {
  const i = text.split('\n').findIndex((l) => l.includes(value));
  return i + 1;
}

async function renderHelm(root: string, folder: string, opts: RenderManifestsOptions): Promise<Rendered> {
  const chartDir = path.join(root, folder);
  const helm = opts.source.helm ?? {};
  const chartFile = join(folder, 'Chart.yaml');
  const err = (file: string, message: string, line = 0): Rendered => ({ ok: false, errors: [{ file, line, message }] });
  let chart: Record<string, unknown>;
  try {
    chart = (yaml.load(await readFile(path.join(chartDir, 'Chart.yaml'), 'utf8')) ?? {}) as Record<string, unknown>;
  } catch (e) {
    return err(chartFile, `helm: invalid Chart.yaml: ${(e as { reason?: string }).reason ?? (e as Error).message}`, ((e as { mark?: { line: number } }).mark?.line ?? 0) + 1);
  }
  const vendored = await readdir(path.join(chartDir, 'charts')).catch(() => [] as string[]);
  const missing = missingDependencies(chart, vendored);
  if (missing.length) return err(chartFile, `helm: dependencies not vendored in ${join(folder, 'charts')}/ (rendering has no network): ${missing.join(', ')}`);

  const valueFiles: string[] = [];
  for (const f of helm.valueFiles ?? []) {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(f)) return err(chartFile, `helm: values file ${f} is a URL; only files in the repository can be used`);
    const abs = path.resolve(chartDir, f);
    if (abs !== root && !abs.startsWith(`${root}${path.sep}`)) return err(chartFile, `helm: values file ${f} is outside the repository`);
    if (!fs.existsSync(abs)) {
      if (helm.ignoreMissingValueFiles) continue;
      return err(join(folder, f), `helm: values file ${path.relative(root, abs)} not found (set spec.source.helm.ignoreMissingValueFiles to skip missing files)`);
    }
    valueFiles.push(abs);
  }
  const work = path.dirname(root);
  let valuesFile: string | undefined;
  let valuesObjectFile: string | undefined;
  // As in Argo CD, valuesObject replaces values (it is not merged over it).
  if (helm.valuesObject && Object.keys(helm.valuesObject).length) await writeFile((valuesObjectFile = path.join(work, 'values-object.yaml')), yaml.dump(helm.valuesObject));
  else if (helm.values) await writeFile((valuesFile = path.join(work, 'values.yaml')), helm.values);
  if (!opts.tools.helm) return err(folder || '.', 'helm is not installed: set SKIFF_HELM to a helm binary, or put helm on PATH');
  const args = helmTemplateArgs({ helm, appName: opts.appName, namespace: opts.namespace, chartDir, valueFiles, valuesFile, valuesObjectFile });
  const run = await runTool(opts.tools.helm, args, toolOptions(opts, chartDir, helmEnv(work)));
  const chartName = typeof chart.name === 'string' ? chart.name : path.basename(chartDir);
  if (!run.ok) return { ok: false, errors: [toolError('helm', failureText(run), { tempRoot: root, fallbackFile: folder || '.', chartPrefix: { name: chartName, path: folder } })], ...transient(run) };
  return { ok: true, files: splitHelmOutput(run.stdout, chartName, folder) };
}

/**
 * `helm template` prints every document after `# Source: <chart>/templates/x.yaml`; documents are
 * grouped per template, so a parse error names the template it came from (lines count in the
 * rendered text).
 */
export function splitHelmOutput(text: string, chartName: string, folder: string): ManifestFile[] {
  const byFile = new Map<string, string[]>();
  for (const doc of text.split(/^---[ \t]*$/m)) {
    if (doc.trim() === '') continue;
    const source = /^# Source: (.+)$/m.exec(doc)?.[1]?.trim();
    const file = source ? (source.startsWith(`${chartName}/`) ? join(folder, source.slice(chartName.length + 1)) : source) : folder || '.';
    const label = `${file} (helm output)`;
    byFile.set(label, [...(byFile.get(label) ?? []), doc.replace(/^\n/, '')]);
  }
  return [...byFile].map(([p, docs]) => ({ path: p, text: docs.join('---\n') }));
}

async function withTree(opts: RenderManifestsOptions, fn: (root: string) => Promise<Rendered>): Promise<Rendered> {
  const work = await mkdtemp(path.join(tmpdir(), 'skiff-render-'));
  try {
    const root = path.join(work, 'tree');
    const written = await materializeTree(opts.repoDir, opts.commit, root, opts.maxTreeBytes ?? RENDER_MAX_TREE_BYTES);
    if (!written.ok) return { ok: false, errors: [{ file: '.', line: 0, message: written.message! }] };
    return await fn(root);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** A deadline passed on a busy machine, or the tool could not start: worth trying again. */
function transient(run: { reason: string }): { transient?: true } {
  return run.reason.startsWith('timed out') || run.reason.startsWith('cannot start') ? { transient: true } : {};
}

/** What the tool said; a deadline or the output cap is said first, an exit code only when stderr is empty. */
function failureText(run: { stderr: string; reason: string }): string {
  if (run.reason.startsWith('exit ')) return run.stderr.trim() || run.reason;
  return `${run.reason}${run.stderr.trim() ? `: ${run.stderr.trim()}` : ''}`;
}

function toolOptions(opts: RenderManifestsOptions, cwd: string, env: Record<string, string>) {
  return { cwd, env, timeoutMs: opts.timeoutMs ?? RENDER_TIMEOUT_MS, maxOutputBytes: opts.maxOutputBytes ?? RENDER_MAX_OUTPUT_BYTES };
}

async function lookup(where: Where, commit: string, p: string): Promise<{ oid: string; type: string } | undefined> {
  try {
    if (p === '') return { oid: (await git.readTree({ ...where, oid: commit })).oid, type: 'tree' };
    const parts = p.split('/');
    const parent = parts.slice(0, -1).join('/');
    const { tree } = await git.readTree({ ...where, oid: commit, ...(parent ? { filepath: parent } : {}) });
    const e = tree.find((x) => x.path === parts.at(-1));
    return e ? { oid: e.oid, type: e.type } : undefined;
  } catch {
    return undefined;
  }
}

async function listBlobs(where: Where, treeOid: string, prefix: string): Promise<{ rel: string; oid: string }[]> {
  const { tree } = await git.readTree({ ...where, oid: treeOid });
  const out: { rel: string; oid: string }[] = [];
  for (const e of tree) {
    const rel = prefix ? `${prefix}/${e.path}` : e.path;
    if (e.type === 'tree') out.push(...(await listBlobs(where, e.oid, rel)));
    else if (e.type === 'blob') out.push({ rel, oid: e.oid });
  }
  return out;
}

async function readText(where: Where, oid: string): Promise<string> {
  return new TextDecoder('utf-8').decode((await git.readBlob({ ...where, oid })).blob);
}

function normalize(p: string): string {
  return p.replace(/^\.?\/+/, '').replace(/\/+$/, '').replace(/^\.$/, '');
}

function join(a: string, b: string): string {
  return a === '' ? b : `${a}/${b}`;
}
