import type { KubeObject } from '@skiff/apimachinery';
import { describe, expect, it } from 'vitest';
import { desiredObjects, namespacesCreatedBy, syncOptions, type DesiredObject, type ManifestRef } from './desiredObjects.js';

const APP = { namespace: 'argo', name: 'shop-front' };
const SHA = 'a'.repeat(40);

/** A manifest as git holds it: `manifest('ConfigMap', 'cfg').ns('x').labels({...}).build()`. */
function manifest(kind: string, name: string, apiVersion = kind === 'Deployment' ? 'apps/v1' : 'v1') {
  const obj: KubeObject = { apiVersion, kind, metadata: { name } };
  const b = {
    ns(namespace: string) {
      obj.metadata.namespace = namespace;
      return b;
    },
    labels(labels: Record<string, string>) {
      obj.metadata.labels = labels;
      return b;
    },
    annotations(annotations: Record<string, string>) {
      obj.metadata.annotations = annotations;
      return b;
    },
    at(file: string, line: number): ManifestRef {
      return { object: obj, file, line };
    },
    build: (): ManifestRef => ({ object: obj, file: 'deploy/all.yaml', line: 1 }),
  };
  return b;
}

function only(manifests: ManifestRef[]): DesiredObject {
  const r = desiredObjects(APP, 'shop', manifests, SHA);
  if (!r.ok) throw new Error(JSON.stringify(r.errors));
  expect(r.objects).toHaveLength(1);
  return r.objects[0];
}

describe('desiredObjects', () => {
  it.each([
    { case: 'namespaced without namespace', m: manifest('ConfigMap', 'cfg'), namespace: 'shop' },
    { case: 'namespaced with its own namespace', m: manifest('ConfigMap', 'cfg').ns('other'), namespace: 'other' },
    { case: 'Deployment (apps/v1) without namespace', m: manifest('Deployment', 'web'), namespace: 'shop' },
    { case: 'Service without namespace', m: manifest('Service', 'web'), namespace: 'shop' },
    { case: 'cluster-scoped Namespace', m: manifest('Namespace', 'extra'), namespace: undefined },
    { case: 'cluster-scoped Namespace with a namespace set', m: manifest('Namespace', 'extra').ns('shop'), namespace: undefined },
    { case: 'cluster-scoped Node with a namespace set', m: manifest('Node', 'n1').ns('x'), namespace: undefined },
  ])('$case -> namespace $namespace', ({ m, namespace }) => {
    const d = only([m.build()]);
    expect(d.object.metadata.namespace).toBe(namespace);
    expect('namespace' in d.object.metadata).toBe(namespace !== undefined);
  });

  it.each([
    { case: 'no labels or annotations', m: manifest('ConfigMap', 'cfg'), labels: {}, annotations: {} },
    { case: 'keeps the manifest labels', m: manifest('ConfigMap', 'cfg').labels({ tier: 'web' }), labels: { tier: 'web' }, annotations: {} },
    { case: 'keeps the manifest annotations', m: manifest('ConfigMap', 'cfg').annotations({ note: 'x' }), labels: {}, annotations: { note: 'x' } },
    {
      case: 'overrides a label and annotations that claim another app',
      m: manifest('ConfigMap', 'cfg').labels({ 'skiff.dev/application': 'other' }).annotations({ 'skiff.dev/tracking-id': 'x/y:/ConfigMap:x/cfg', 'skiff.dev/revision': 'old' }),
      labels: {},
      annotations: {},
    },
  ])('marks the object: $case', ({ m, labels, annotations }) => {
    const d = only([m.build()]);
    expect(d.object.metadata.labels).toEqual({ ...labels, 'skiff.dev/application': 'shop-front' });
    expect(d.object.metadata.annotations).toEqual({ ...annotations, 'skiff.dev/tracking-id': 'argo/shop-front:/ConfigMap:shop/cfg', 'skiff.dev/revision': SHA });
  });

  it.each([
    { kind: 'Deployment', apiVersion: 'apps/v1', id: 'argo/shop-front:apps/Deployment:shop/web' },
    { kind: 'Namespace', apiVersion: 'v1', id: 'argo/shop-front:/Namespace:/web' },
    { kind: 'Application', apiVersion: 'skiff.dev/v1alpha1', id: 'argo/shop-front:skiff.dev/Application:shop/web' },
  ])('tracking id of a $kind names group, kind, namespace and name', ({ kind, apiVersion, id }) => {
    expect(only([manifest(kind, 'web', apiVersion).build()]).object.metadata.annotations?.['skiff.dev/tracking-id']).toBe(id);
  });

  it('keeps file, line and type, and never changes the manifest it read', () => {
    const m = manifest('ConfigMap', 'cfg').labels({ tier: 'web' }).at('deploy/cfg.yaml', 7);
    const before = structuredClone(m.object);
    const d = only([m]);
    expect(d).toMatchObject({ file: 'deploy/cfg.yaml', line: 7, type: { resource: 'configmaps', group: '' } });
    expect(m.object).toEqual(before);
  });

  it.each([
    { case: 'unknown kind', m: manifest('Widget', 'w').at('deploy/w.yaml', 12), message: 'no matches for kind "Widget" in version "v1"' },
    { case: 'known kind in the wrong version', m: manifest('Deployment', 'web', 'apps/v1beta1').at('deploy/web.yaml', 3), message: 'no matches for kind "Deployment" in version "apps/v1beta1"' },
    { case: 'known kind in the wrong group', m: manifest('ConfigMap', 'cfg', 'apps/v1').at('a/b/c.yml', 40), message: 'no matches for kind "ConfigMap" in version "apps/v1"' },
  ])('$case is an error with file and line', ({ m, message }) => {
    const r = desiredObjects(APP, 'shop', [manifest('ConfigMap', 'fine').build(), m], SHA);
    expect(r).toEqual({ ok: false, errors: [{ file: m.file, line: m.line, field: 'kind', message }] });
  });

  it('reports every unknown kind, not only the first', () => {
    const r = desiredObjects(APP, 'shop', [manifest('A', 'a').at('x.yaml', 1), manifest('B', 'b').at('x.yaml', 9)], SHA);
    expect(r.ok ? [] : r.errors.map((e) => `${e.file}:${e.line}`)).toEqual(['x.yaml:1', 'x.yaml:9']);
  });
});

describe('namespacesCreatedBy', () => {
  const desired = (...ms: ManifestRef[]) => {
    const r = desiredObjects(APP, 'shop', ms, SHA);
    if (!r.ok) throw new Error('unexpected');
    return r.objects;
  };
  it.each([
    { case: 'nothing', objects: desired(), create: false, want: [] },
    { case: 'the destination with CreateNamespace', objects: desired(), create: true, want: ['shop'] },
    { case: 'Namespace objects', objects: desired(manifest('Namespace', 'a').build(), manifest('ConfigMap', 'a').build(), manifest('Namespace', 'b').build()), create: false, want: ['a', 'b'] },
    { case: 'Namespace objects and the destination', objects: desired(manifest('Namespace', 'a').build()), create: true, want: ['a', 'shop'] },
    { case: 'the destination once when also a Namespace object', objects: desired(manifest('Namespace', 'shop').build()), create: true, want: ['shop'] },
    { case: 'not a ConfigMap named like a namespace', objects: desired(manifest('ConfigMap', 'ns').build()), create: false, want: [] },
  ])('$case', ({ objects, create, want }) => {
    expect([...namespacesCreatedBy(objects, 'shop', create)].sort()).toEqual(want);
  });
});

describe('syncOptions', () => {
  it.each([
    { list: undefined, want: {} },
    { list: [], want: {} },
    { list: ['CreateNamespace=true'], want: { CreateNamespace: 'true' } },
    { list: ['CreateNamespace=true', 'CreateNamespace=false'], want: { CreateNamespace: 'false' } },
    { list: ['A=1', 'B=2'], want: { A: '1', B: '2' } },
    { list: ['Key=a=b'], want: { Key: 'a=b' } },
    { list: ['Empty='], want: { Empty: '' } },
    { list: ['NoValue', '=x', ''], want: {} },
  ])('$list', ({ list, want }) => {
    expect(Object.fromEntries(syncOptions(list))).toEqual(want);
  });
});
