import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { changedPaths, pathCovers } from '../git/changedPaths.js';
import { renderInputs, renderInputsKey } from './renderInputsKey.js';

const ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@localhost', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@localhost', GIT_CONFIG_NOSYSTEM: '1' };

describe('renderInputsKey', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-render-key-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('git', ['init', '-q', '-b', 'main', dir], { env: ENV });
  const commit = (files: Record<string, string>): string => {
    for (const [p, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, p)), { recursive: true });
      writeFileSync(join(dir, p), text);
    }
    execFileSync('git', ['-C', dir, 'add', '-A'], { env: ENV });
    execFileSync('git', ['-C', dir, 'commit', '-q', '-m', 'c'], { env: ENV });
    return execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { env: ENV }).toString().trim();
  };
  const plain = { path: 'plain' };
  const overlay = { path: 'kust/overlays/prod' };
  const chart = { path: 'chart', helm: { valueFiles: ['../shared/values-prod.yaml'] } };
  const keys = async (sha: string) => ({
    plain: await renderInputsKey(dir, sha, plain),
    overlay: await renderInputsKey(dir, sha, overlay),
    chart: await renderInputsKey(dir, sha, chart),
  });

  const c1 = commit({
    'plain/cm.yaml': 'kind: ConfigMap\n',
    'kust/base/kustomization.yaml': 'resources: [cm.yaml]\n',
    'kust/base/cm.yaml': 'kind: ConfigMap\n',
    'kust/overlays/prod/kustomization.yaml': 'resources: [../../base]\n',
    'chart/Chart.yaml': 'name: c\n',
    'chart/templates/cm.yaml': 'kind: ConfigMap\n',
    'shared/values-prod.yaml': 'a: 1\n',
  });

  it('a commit elsewhere keeps the keys of the folders it did not touch', async () => {
    const before = await keys(c1);
    const c2 = commit({ 'plain/cm.yaml': 'kind: ConfigMap\nmetadata: {}\n' });
    const after = await keys(c2);
    expect(after.plain).not.toBe(before.plain);
    expect(after.overlay).toBe(before.overlay);
    expect(after.chart).toBe(before.chart);
    expect(Object.values(after).every((k) => typeof k === 'string')).toBe(true);
  });

  it("a change to a kustomize base changes the overlay's key; a values file outside the chart, the chart's", async () => {
    const before = await keys(execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { env: ENV }).toString().trim());
    const base = await keys(commit({ 'kust/base/cm.yaml': 'kind: ConfigMap\ndata: {}\n' }));
    expect(base.overlay).not.toBe(before.overlay);
    expect(base.chart).toBe(before.chart);
    const values = await keys(commit({ 'shared/values-prod.yaml': 'a: 2\n' }));
    expect(values.chart).not.toBe(base.chart);
    expect(values.overlay).toBe(base.overlay);
  });

  it('names the paths a render reads, and a commit changes only the paths it touched', async () => {
    const from = execFileSync('git', ['-C', dir, 'rev-parse', 'HEAD'], { env: ENV }).toString().trim();
    expect((await renderInputs(dir, from, plain))?.paths).toEqual(['plain']);
    expect((await renderInputs(dir, from, overlay))?.paths.sort()).toEqual(['kust/base', 'kust/base/cm.yaml', 'kust/overlays/prod']);
    expect((await renderInputs(dir, from, chart))?.paths).toEqual(['chart', 'shared/values-prod.yaml']);
    const to = commit({ 'kust/base/cm.yaml': 'kind: ConfigMap\ndata: {a: b}\n', 'new/x.yaml': 'kind: ConfigMap\n' });
    const changed = (await changedPaths(join(dir, '.git'), from, to))!.sort();
    expect(changed).toEqual(['kust/base/cm.yaml', 'new', 'new/x.yaml']);
    const touches = (paths: string[]) => changed.some((c) => paths.some((p) => pathCovers(p, c)));
    expect(touches((await renderInputs(dir, to, overlay))!.paths)).toBe(true);
    expect(touches((await renderInputs(dir, to, plain))!.paths)).toBe(false);
    expect(touches((await renderInputs(dir, to, chart))!.paths)).toBe(false);
    expect(await changedPaths(join(dir, '.git'), from, '0'.repeat(40))).toBeUndefined();
  });

  it('undefined (key by commit) for jsonnet folders and charts holding symlinks', async () => {
    const sha = commit({ 'jsonnet/main.jsonnet': '{}' });
    expect(await renderInputsKey(dir, sha, { path: 'jsonnet' })).toBeUndefined();
    symlinkSync('../../shared/values-prod.yaml', join(dir, 'chart/templates/linked.yaml'));
    const linked = commit({});
    expect(await renderInputsKey(dir, linked, chart)).toBeUndefined();
  });

});
