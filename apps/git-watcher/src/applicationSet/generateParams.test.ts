import type { CommitTree } from '@skiff/gitops';
import { describe, expect, it } from 'vitest';
import { generateParams, globRegExp, type GitReader } from './generateParams.js';

/** A repository's tree given as files (directories follow from their paths). */
function reader(files: Record<string, string>): GitReader {
  const dirs = new Set<string>();
  for (const p of Object.keys(files)) {
    const parts = p.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
  }
  const entries = [...[...dirs].map((path) => ({ path, type: 'tree' as const, oid: '' })), ...Object.keys(files).map((path) => ({ path, type: 'blob' as const, oid: '' }))].sort((a, b) => a.path.localeCompare(b.path));
  const tree: CommitTree = { entries, readText: async (p) => files[p] };
  return { tree: async (repoURL) => (repoURL === 'repo' ? { ok: true, tree } : { ok: false, message: `repository ${repoURL}: not found` }) };
}

const REPO = reader({
  'envs/dev/cm.yaml': '',
  'envs/prod/cm.yaml': '',
  'envs/prod/extra/cm.yaml': '',
  'envs/old/cm.yaml': '',
  'clusters/east/config.yaml': 'cluster: east\nurl: https://east\nvalues:\n  replicas: 2\n',
  'clusters/west/config.json': '{"cluster": "west", "url": "https://west"}',
  'clusters/bad/config.yaml': '',
});

const names = (params: Record<string, unknown>[], key: string) => params.map((p) => p[key]);

describe('generateParams', () => {
  it('git directories: one set per matching directory, excludes removed, * stays in one level', async () => {
    const r = await generateParams({ git: { repoURL: 'repo', directories: [{ path: 'envs/*' }, { path: 'envs/old', exclude: true }] } }, REPO, false);
    expect(r.ok && names(r.params, 'path')).toEqual(['envs/dev', 'envs/prod']);
  });

  it('git files: each file’s fields, flattened, with its path', async () => {
    const r = await generateParams({ git: { repoURL: 'repo', files: [{ path: 'clusters/*/config.*' }] } }, REPO, false);
    expect(r).toEqual({ ok: false, message: 'git generator: clusters/bad/config.yaml: must hold an object or a list of objects' });
    const ok = await generateParams({ git: { repoURL: 'repo', files: [{ path: 'clusters/e*/config.yaml' }, { path: 'clusters/w*/config.json' }] } }, REPO, false);
    expect(ok).toEqual({
      ok: true,
      params: [
        expect.objectContaining({ cluster: 'east', url: 'https://east', 'values.replicas': '2', path: 'clusters/east', 'path.basename': 'east', 'path.filename': 'config.yaml' }),
        expect.objectContaining({ cluster: 'west', url: 'https://west', path: 'clusters/west', 'path.filename': 'config.json' }),
      ],
    });
  });

  it('list: its elements', async () => {
    expect(await generateParams({ list: { elements: [{ cluster: 'a' }, { cluster: 'b', values: { x: 1 } }] } }, REPO, false)).toEqual({ ok: true, params: [{ cluster: 'a' }, { cluster: 'b', 'values.x': '1' }] });
  });

  it('matrix: every combination; the second generator may use the first one’s parameters', async () => {
    const r = await generateParams({ matrix: { generators: [{ list: { elements: [{ env: 'dev' }, { env: 'prod' }] } }, { git: { repoURL: 'repo', directories: [{ path: 'envs/{{env}}' }, { path: 'envs/{{env}}/*' }] } }] } }, REPO, false);
    expect(r.ok && r.params.map((p) => `${p.env}:${p.path}`)).toEqual(['dev:envs/dev', 'prod:envs/prod', 'prod:envs/prod/extra']);
  });

  it('merge: later sets lay their fields over the base sets that agree on the merge keys', async () => {
    const r = await generateParams(
      { merge: { mergeKeys: ['cluster'], generators: [{ list: { elements: [{ cluster: 'a', size: 's' }, { cluster: 'b', size: 's' }] } }, { list: { elements: [{ cluster: 'b', size: 'l' }, { cluster: 'z', size: 'xl' }] } }] } },
      REPO,
      false,
    );
    expect(r).toEqual({ ok: true, params: [{ cluster: 'a', size: 's' }, { cluster: 'b', size: 'l' }] });
  });

  it.each([
    { generator: { clusters: {} }, message: 'generator clusters is not supported by Skiff (list, git, matrix and merge are)' },
    { generator: { git: { repoURL: 'elsewhere', directories: [{ path: '*' }] } }, message: 'repository elsewhere: not found' },
    { generator: { matrix: { generators: [{ list: { elements: [] } }] } }, message: 'matrix generator: exactly 2 child generators are needed, 1 given' },
    { generator: { merge: { generators: [{ list: {} }, { list: {} }] } }, message: 'merge generator: mergeKeys is required' },
  ])('error: $message', async ({ generator, message }) => {
    expect(await generateParams(generator, REPO, false)).toEqual({ ok: false, message });
  });

  it.each([
    { glob: 'envs/*', path: 'envs/dev', match: true },
    { glob: 'envs/*', path: 'envs/dev/x', match: false },
    { glob: 'envs/**', path: 'envs/dev/x', match: true },
    { glob: 'env?/dev', path: 'envs/dev', match: true },
    { glob: 'a.b/*', path: 'aXb/c', match: false },
  ])('glob $glob ~ $path: $match', ({ glob, path, match }) => {
    expect(globRegExp(glob).test(path)).toBe(match);
  });
});
