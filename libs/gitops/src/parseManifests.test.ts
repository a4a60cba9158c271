import { describe, expect, it } from 'vitest';
import { parseManifests } from './parseManifests.js';
import type { ManifestError } from './types.js';

const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 2
`;

describe('parseManifests', () => {
  it('reads multi-document YAML, skipping empty documents, with document start lines', () => {
    const text = `# the app\n---\n${deployment}---\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: web\n`;
    const result = parseManifests([{ path: 'app/web.yaml', text }]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.objects.map((m) => [m.object.kind, m.file, m.line, m.index])).toEqual([
      ['Deployment', 'app/web.yaml', 3, 0],
      ['Service', 'app/web.yaml', 12, 2],
    ]);
  });

  it('flattens kind: List and JSON arrays, with the line of each item', () => {
    const list = `apiVersion: v1\nkind: List\nitems:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: a}\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata: {name: b}\n`;
    const json = JSON.stringify([
      { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } },
      { apiVersion: 'v1', kind: 'List', items: [{ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'sa' } }] },
    ], null, 2);
    const result = parseManifests([
      { path: 'list.yaml', text: list },
      { path: 'objs.json', text: json },
      { path: 'one.json', text: '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team"}}' },
    ]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.objects.map((m) => [m.object.metadata.name, m.file, m.line, m.item])).toEqual([
      ['a', 'list.yaml', 4, 0],
      ['b', 'list.yaml', 7, 1],
      ['s', 'objs.json', 2, 0],
      ['sa', 'objs.json', 13, 0],
      ['team', 'one.json', 1, undefined],
    ]);
  });

  it('accepts generateName instead of a name, and tells two such manifests apart only by kind and namespace', () => {
    const job = (ns: string) => `apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: migrate-\n  namespace: ${ns}\n`;
    const ok = parseManifests([{ path: 'a.yaml', text: `${job('a')}---\n${job('b')}` }]);
    expect(ok.ok && ok.objects.map((m) => m.object.metadata.generateName)).toEqual(['migrate-', 'migrate-']);
    const twice = parseManifests([{ path: 'a.yaml', text: `${job('a')}---\n${job('a')}` }]);
    expect(twice.ok).toBe(false);
  });

  it.each<[string, { path: string; text: string }[], ManifestError[]]>([
    [
      'bad indentation',
      [{ path: 'a.yaml', text: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n   namespace: y\n' }],
      [{ file: 'a.yaml', line: 5, message: expect.stringContaining('invalid YAML: bad indentation') as unknown as string }],
    ],
    [
      'missing kind, in the second document',
      [{ path: 'a.yaml', text: `${deployment}---\napiVersion: v1\nmetadata:\n  name: x\n` }],
      [{ file: 'a.yaml', line: 9, field: 'kind', message: 'kind is required' }],
    ],
    [
      'missing metadata.name points at metadata',
      [{ path: 'a.yaml', text: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: {a: b}\n' }],
      [{ file: 'a.yaml', line: 3, field: 'metadata.name', message: 'metadata.name is required' }],
    ],
    [
      'missing apiVersion and metadata',
      [{ path: 'a.yaml', text: 'kind: ConfigMap\ndata: {}\n' }],
      [
        { file: 'a.yaml', line: 1, field: 'apiVersion', message: 'apiVersion is required' },
        { file: 'a.yaml', line: 1, field: 'metadata.name', message: 'metadata.name is required' },
      ],
    ],
    [
      'a scalar document',
      [{ path: 'a.yaml', text: 'just a string\n' }],
      [{ file: 'a.yaml', line: 1, message: 'expected an object, got string' }],
    ],
    [
      'duplicate object across files',
      [
        { path: 'a/web.yaml', text: deployment },
        { path: 'b/web.yaml', text: `# copy\n${deployment}` },
      ],
      [{ file: 'b/web.yaml', line: 2, message: 'Deployment "web" in namespace "default" is declared twice: a/web.yaml:1 and b/web.yaml:2' }],
    ],
    [
      'a JSON list item without a name',
      [{ path: 'l.json', text: '[\n  {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}},\n  {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {}}\n]\n' }],
      [{ file: 'l.json', line: 3, field: 'metadata.name', message: 'metadata.name is required' }],
    ],
    [
      'invalid JSON (a missing comma)',
      [{ path: 'x.json', text: '{\n  "apiVersion": "v1",\n  "kind": "ConfigMap"\n  "metadata": {"name": "c"}\n}\n' }],
      [{ file: 'x.json', line: 4, message: expect.stringContaining('invalid JSON') as unknown as string }],
    ],
    [
      'a sync wave that is not an integer',
      [{ path: 'a.yaml', text: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations:\n    skiff.dev/sync-wave: "soon"\n' }],
      [{ file: 'a.yaml', line: 6, field: 'metadata.annotations[skiff.dev/sync-wave]', message: 'skiff.dev/sync-wave must be an integer in quotes, got "soon"' }],
    ],
    [
      "an Argo CD sync wave that is not an integer",
      [{ path: 'a.yaml', text: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations:\n    argocd.argoproj.io/sync-wave: "1.5"\n' }],
      [{ file: 'a.yaml', line: 6, field: 'metadata.annotations[argocd.argoproj.io/sync-wave]', message: 'argocd.argoproj.io/sync-wave must be an integer in quotes, got "1.5"' }],
    ],
    [
      'both sync-wave annotations, disagreeing',
      [{ path: 'a.yaml', text: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  annotations:\n    skiff.dev/sync-wave: "1"\n    argocd.argoproj.io/sync-wave: "2"\n' }],
      [{ file: 'a.yaml', line: 7, field: 'metadata.annotations[argocd.argoproj.io/sync-wave]', message: 'skiff.dev/sync-wave (1) and argocd.argoproj.io/sync-wave (2) disagree: keep one' }],
    ],
    [
      'a misspelled hook',
      [{ path: 'a.yaml', text: 'apiVersion: batch/v1\nkind: Job\nmetadata:\n  generateName: m-\n  annotations:\n    argocd.argoproj.io/hook: PostSynk\n' }],
      [{ file: 'a.yaml', line: 6, field: 'metadata.annotations[argocd.argoproj.io/hook]', message: 'argocd.argoproj.io/hook must be a comma-separated list of PreSync, Sync, PostSync, SyncFail, Skip, got "PostSynk"' }],
    ],
  ])('reports %s', (_name, files, errors) => {
    expect(parseManifests(files)).toEqual({ ok: false, errors });
  });

  it('keeps same-named objects of different kinds, groups or namespaces', () => {
    const mk = (apiVersion: string, kind: string, namespace?: string) =>
      `apiVersion: ${apiVersion}\nkind: ${kind}\nmetadata:\n  name: web\n${namespace ? `  namespace: ${namespace}\n` : ''}`;
    const text = [mk('v1', 'Service'), mk('apps/v1', 'Deployment'), mk('apps/v1', 'Deployment', 'other'), mk('example.com/v1', 'Deployment')].join('---\n');
    const result = parseManifests([{ path: 'a.yaml', text }]);
    expect(result.ok && result.objects.length).toBe(4);
  });
});
