import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findRenderTools } from './findRenderTools.js';
import { materializeTree } from './materializeTree.js';
import { renderManifests, type RenderManifestsOptions } from './renderManifests.js';

const ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@localhost', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@localhost', GIT_CONFIG_NOSYSTEM: '1' };
const cm = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "1"\n`;

/** A real repository in a temp dir; files written, then committed with the git CLI. */
function repo(files: Record<string, string>, links: Record<string, string> = {}): { dir: string; sha: string } {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-render-test-'));
  execFileSync('git', ['init', '-q', '-b', 'main', dir], { env: ENV });
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  for (const [p, target] of Object.entries(links)) {
    mkdirSync(dirname(join(dir, p)), { recursive: true });
    symlinkSync(target, join(dir, p));
  }
  execFileSync('git', ['-C', dir, 'add', '-A'], { env: ENV });
  execFileSync('git', ['-C', dir, 'commit', '-q', '-m', 'c'], { env: ENV });
  return { dir, sha: execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { env: ENV }).toString().trim() };
}

describe('renderManifests', () => {
  const made: string[] = [];
  let tmp: string;
  let savedTmp: string | undefined;
  const tools = findRenderTools();
  const render = (r: { dir: string; sha: string }, extra: Partial<RenderManifestsOptions> = {}) =>
    renderManifests({ repoDir: r.dir, commit: r.sha, source: { path: 'app' }, appName: 'app', namespace: 'ns', tools, ...extra });
  const mk = (files: Record<string, string>, links?: Record<string, string>) => {
    const r = repo(files, links);
    made.push(r.dir);
    return r;
  };

  // Every render's temp dir goes into a folder of this test's own, which must be empty afterwards.
  beforeEach(() => {
    savedTmp = process.env.TMPDIR;
    tmp = mkdtempSync(join(tmpdir(), 'skiff-render-tmp-'));
    made.push(tmp);
  });
  afterEach(() => {
    if (savedTmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = savedTmp;
    for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const useTmp = () => (process.env.TMPDIR = tmp);

  it('reads committed files only: an uncommitted edit in the work tree plays no part', async () => {
    const r = mk({ 'app/a.yaml': cm('committed') });
    writeFileSync(join(r.dir, 'app/a.yaml'), cm('edited'));
    writeFileSync(join(r.dir, 'app/b.yaml'), cm('untracked'));
    const out = await render(r);
    expect(out.ok && out.objects.map((o) => o.object.metadata.name)).toEqual(['committed']);
  });

  it('directory.recurse false reads only the folder itself; unset reads subfolders (Skiff\'s default)', async () => {
    const r = mk({ 'app/a.yaml': cm('a'), 'app/sub/b.yaml': cm('b') });
    const flat = await render(r, { source: { path: 'app', directory: { recurse: false } } });
    expect(flat.ok && flat.objects.map((o) => o.object.metadata.name)).toEqual(['a']);
    const deep = await render(r);
    expect(deep.ok && deep.objects.map((o) => o.object.metadata.name)).toEqual(['a', 'b']);
  });

  it('jsonnet with a top-level argument as code, in a temp dir removed afterwards', async () => {
    const r = mk({ 'app/main.jsonnet': 'function(n) [{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm-" + i } } for i in std.range(1, n)]' });
    useTmp();
    const out = await render(r, { source: { path: 'app', directory: { jsonnet: { tlas: [{ name: 'n', value: '2', code: true }] } } } });
    expect(out.ok && out.objects.map((o) => `${o.file}:${o.line} ${o.object.metadata.name}`)).toEqual(['app/main.jsonnet (jsonnet output):1 cm-1', 'app/main.jsonnet (jsonnet output):9 cm-2']);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('a tool past its deadline, or past the output cap, is stopped and says so; the temp dir still goes', async () => {
    const slow = mk({ 'app/main.jsonnet': 'std.foldl(function(a, b) a + b, std.range(0, 50000000), 0)' });
    const big = mk({ 'app/main.jsonnet': '[{ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "big" }, data: { x: std.join("", std.makeArray(100000, function(i) "x")) } }]' });
    useTmp();
    const timedOut = await render(slow, { timeoutMs: 300 });
    expect(!timedOut.ok && timedOut.errors[0]).toMatchObject({ file: 'app/main.jsonnet', message: expect.stringMatching(/^jsonnet failed: timed out after 300 ms/) });
    const capped = await render(big, { maxOutputBytes: 10_000 });
    expect(!capped.ok && capped.errors[0].message).toMatch(/^jsonnet failed: output exceeded 10000 bytes/);
    // A deadline may pass on a busy machine (not cached, tried again); the cap is the folder's doing.
    expect(!timedOut.ok && timedOut.transient).toBe(true);
    expect(!capped.ok && capped.transient).toBeUndefined();
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('a jsonnet import reading outside the repository is refused before jsonnet runs', async () => {
    const r = mk({ 'app/main.jsonnet': "local lib = import 'lib.libsonnet';\n[lib]\n", 'app/lib.libsonnet': "{\n  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' },\n  data: { p: importstr '/etc/hostname' },\n}\n" });
    const out = await render(r);
    expect(!out.ok && out.errors).toEqual([{ file: 'app/lib.libsonnet', line: 3, message: 'jsonnet: import "/etc/hostname" reads outside the repository' }]);
  });

  it('a chart without a helm binary is an error, not a crash', async () => {
    const r = mk({ 'app/Chart.yaml': 'apiVersion: v2\nname: app\nversion: 0.1.0\n', 'app/templates/cm.yaml': cm('x') });
    const out = await render(r, { tools: { ...tools, helm: undefined } });
    expect(out).toEqual({ ok: false, type: 'Helm', errors: [{ file: 'app', line: 0, message: 'helm is not installed: set SKIFF_HELM to a helm binary, or put helm on PATH' }] });
  });

  it('ignoreMissingValueFiles skips a values file that is not there', async () => {
    const r = mk({ 'app/Chart.yaml': 'apiVersion: v2\nname: app\nversion: 0.1.0\n', 'app/templates/cm.yaml': cm('{{ .Release.Name }}-{{ .Release.Namespace }}') });
    const out = await render(r, { source: { path: 'app', helm: { valueFiles: ['values-missing.yaml'], ignoreMissingValueFiles: true } } });
    expect(out.ok && out.objects.map((o) => `${o.file} ${o.object.metadata.name}`)).toEqual(['app/templates/cm.yaml (helm output) app-ns']);
  });

  it('a kustomization reaching outside the repository is refused', async () => {
    const r = mk({ 'app/kustomization.yaml': 'resources:\n  - ../../../etc\n' });
    const out = await render(r);
    expect(!out.ok && out.errors).toEqual([{ file: 'app/kustomization.yaml', line: 2, message: 'kustomize: "../../../etc" is outside the repository' }]);
  });
});

describe('materializeTree', () => {
  it('writes symlinks that stay inside the tree and leaves out those that do not', async () => {
    const r = repo({ 'a/x.yaml': cm('x') }, { 'a/in.yaml': 'x.yaml', 'a/out': '../../../etc/passwd', 'a/abs': '/etc/passwd', 'up': '.', 'a/sneak': '../up/..' });
    const dest = mkdtempSync(join(tmpdir(), 'skiff-render-mt-'));
    try {
      const out = await materializeTree(r.dir, r.sha, join(dest, 'tree'), 1 << 20);
      expect(out.ok).toBe(true);
      expect(out.skippedLinks.sort()).toEqual(['a/abs', 'a/out', 'a/sneak']);
      expect(readdirSync(join(dest, 'tree', 'a')).sort()).toEqual(['in.yaml', 'x.yaml']);
    } finally {
      rmSync(dest, { recursive: true, force: true });
      rmSync(r.dir, { recursive: true, force: true });
    }
  });

  it('stops past the size cap', async () => {
    const r = repo({ 'big.txt': 'x'.repeat(5000) });
    const dest = mkdtempSync(join(tmpdir(), 'skiff-render-mt-'));
    try {
      const out = await materializeTree(r.dir, r.sha, join(dest, 'tree'), 1000);
      expect(out).toMatchObject({ ok: false, message: expect.stringMatching(/is larger than 1000 bytes$/) });
    } finally {
      rmSync(dest, { recursive: true, force: true });
      rmSync(r.dir, { recursive: true, force: true });
    }
  });
});

describe('renderManifests: Helm values', () => {
  it('valuesObject replaces values, and parameters win over both', async () => {
    const r = repo({ 'app/Chart.yaml': 'apiVersion: v2\nname: app\nversion: 0.1.0\n', 'app/values.yaml': 'a: file\nb: file\n', 'app/templates/cm.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: v\ndata:\n  a: {{ .Values.a | quote }}\n  b: {{ .Values.b | quote }}\n  c: {{ .Values.c | default "none" | quote }}\n' });
    try {
      const base = { repoDir: r.dir, commit: r.sha, appName: 'app', namespace: 'ns', tools: findRenderTools() };
      const both = await renderManifests({ ...base, source: { path: 'app', helm: { values: 'a: values\nc: values\n', valuesObject: { b: 'object' } } } });
      expect(both.ok && both.objects[0].object.data).toEqual({ a: 'file', b: 'object', c: 'none' });
      const onlyValues = await renderManifests({ ...base, source: { path: 'app', helm: { values: 'a: values\nc: values\n', parameters: [{ name: 'c', value: 'param' }] } } });
      expect(onlyValues.ok && onlyValues.objects[0].object.data).toEqual({ a: 'values', b: 'file', c: 'param' });
    } finally {
      rmSync(r.dir, { recursive: true, force: true });
    }
  });
});
