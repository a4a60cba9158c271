import { describe, expect, it } from 'vitest';
import { BadRequestError, InvalidError } from './errors.js';
import { applyJsonPatch, applyMergePatch, applyStrategicMergePatch, createMergePatch } from './patch.js';
import { patchSchemaFor } from './kinds/registry.js';

const deploySchema = patchSchemaFor('apps/v1', 'Deployment');

function deployment(containers: object[], extra: object = {}) {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web', x: '1' }, finalizers: ['a'] }, spec: { replicas: 2, template: { spec: { containers, ...extra } } } };
}

describe('strategic merge patch, as kubectl sends it', () => {
  const web = { name: 'web', image: 'v1', command: ['node'], ports: [{ containerPort: 8080, protocol: 'TCP' }], env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] };
  const side = { name: 'side', image: 's1' };

  it.each([
    [
      'kubectl apply changing one image keeps the rest of the container',
      deployment([web, side]),
      { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'web' }, { name: 'side' }], containers: [{ name: 'web', image: 'v2' }] } } } },
      (o: any) => {
        expect(o.spec.template.spec.containers).toEqual([{ ...web, image: 'v2' }, side]);
      },
    ],
    [
      'a new container is appended, and $setElementOrder puts it first',
      deployment([web]),
      { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'init' }, { name: 'web' }], containers: [{ name: 'init', image: 'i' }] } } } },
      (o: any) => expect(o.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['init', 'web']),
    ],
    [
      '$patch: delete removes a list element by merge key',
      deployment([web, side]),
      { spec: { template: { spec: { containers: [{ name: 'side', $patch: 'delete' }] } } } },
      (o: any) => expect(o.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['web']),
    ],
    [
      'env merges by name; null deletes a key',
      deployment([web]),
      { metadata: { labels: { x: null } }, spec: { template: { spec: { containers: [{ name: 'web', env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }] }] } } } },
      (o: any) => {
        expect(o.metadata.labels).toEqual({ app: 'web' });
        expect(o.spec.template.spec.containers[0].env).toEqual([{ name: 'A', value: '1' }, { name: 'B', value: '3' }, { name: 'C', value: '4' }]);
      },
    ],
    [
      'lists without a merge key are replaced (command)',
      deployment([web]),
      { spec: { template: { spec: { containers: [{ name: 'web', command: ['python'] }] } } } },
      (o: any) => expect(o.spec.template.spec.containers[0].command).toEqual(['python']),
    ],
    [
      'finalizers merge as a set; $deleteFromPrimitiveList removes',
      deployment([web]),
      { metadata: { finalizers: ['b'], '$deleteFromPrimitiveList/finalizers': ['a'] } },
      (o: any) => expect(o.metadata.finalizers).toEqual(['b']),
    ],
    [
      '$patch: replace on a map replaces it whole',
      deployment([web]),
      { metadata: { labels: { $patch: 'replace', only: 'this' } } },
      (o: any) => expect(o.metadata.labels).toEqual({ only: 'this' }),
    ],
    [
      '$retainKeys drops keys not listed',
      deployment([web], { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } }),
      { spec: { template: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate' } } } } },
      (o: any) => expect(o.spec.template.spec.strategy).toEqual({ type: 'Recreate' }),
    ],
  ])('%s', (_name, original, patch, check) => {
    const before = structuredClone(original);
    check(applyStrategicMergePatch(original, patch as Record<string, unknown>, deploySchema));
    expect(original).toEqual(before);
  });

  it('refuses an unknown directive', () => {
    expect(() => applyStrategicMergePatch({ a: 1 }, { $bogus: 1 })).toThrow(BadRequestError);
  });

  it('a kind without a schema replaces lists (JSON merge semantics)', () => {
    const out = applyStrategicMergePatch({ spec: { items: [{ name: 'a', v: 1 }] } }, { spec: { items: [{ name: 'a', w: 2 }] } }, patchSchemaFor('skiff.dev/v1alpha1', 'Application'));
    expect(out).toEqual({ spec: { items: [{ name: 'a', w: 2 }] } });
  });
});

describe('JSON merge patch (RFC 7386)', () => {
  it.each([
    [{ a: 1, b: { c: 2, d: 3 } }, { b: { c: null, e: 4 } }, { a: 1, b: { d: 3, e: 4 } }],
    [{ a: [1, 2] }, { a: [3] }, { a: [3] }],
    [{ a: 1 }, { a: { b: 1 } }, { a: { b: 1 } }],
  ])('%j + %j = %j', (doc, patch, expected) => {
    expect(applyMergePatch(doc, patch)).toEqual(expected);
  });
});

describe('JSON patch (RFC 6902)', () => {
  it('applies operations without touching the input', () => {
    const doc = { data: { a: '1' } };
    expect(applyJsonPatch(doc, [{ op: 'add', path: '/data/b', value: '2' }, { op: 'remove', path: '/data/a' }])).toEqual({ data: { b: '2' } });
    expect(doc).toEqual({ data: { a: '1' } });
  });
  it('a failed test is 422, a bad path 400', () => {
    expect(() => applyJsonPatch({ a: 1 }, [{ op: 'test', path: '/a', value: 2 }])).toThrow(InvalidError);
    expect(() => applyJsonPatch({ a: 1 }, [{ op: 'remove', path: '/nope/deeper' }])).toThrow(BadRequestError);
  });
});

describe('strategic merge at size', () => {
  it('merges 20,000 conditions into 20,000 in linear time, by type, keeping order and deleting by directive', () => {
    const conditions = (n: number, status: string) => Array.from({ length: n }, (_, i) => ({ type: `C${i}`, status }));
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, status: { conditions: conditions(20_000, 'False') } };
    const patch = { status: { conditions: [...conditions(20_000, 'True').reverse(), { type: 'C5', $patch: 'delete' }, { type: 'New', status: 'True' }] } };
    const started = performance.now();
    const out = applyStrategicMergePatch(pod, patch, patchSchemaFor('v1', 'Pod')) as unknown as { status: { conditions: { type: string; status: string }[] } };
    // Generous: the search-per-element merge took about 10 s for this patch.
    expect(performance.now() - started).toBeLessThan(2000);
    const got = out.status.conditions;
    expect(got).toHaveLength(20_000);
    expect(got[0]).toEqual({ type: 'C0', status: 'True' });
    expect(got.some((c) => c.type === 'C5')).toBe(false);
    expect(got.at(-1)).toEqual({ type: 'New', status: 'True' });
  });
});

describe('createMergePatch', () => {
  it.each([
    ['nothing when equal', { a: 1, b: [1] }, { a: 1, b: [1] }, undefined],
    ['a changed scalar', { a: 1 }, { a: 2 }, { a: 2 }],
    ['a removed key as null', { s: { x: { rv: '1', failing: { n: 1 } } } }, { s: { x: { rv: '2' } } }, { s: { x: { rv: '2', failing: null } } }],
    ['arrays whole', { l: [1, 2] }, { l: [0, 1, 2] }, { l: [0, 1, 2] }],
  ])('%s', (_n, from, to, want) => {
    expect(createMergePatch(from, to)).toEqual(want);
  });
});
