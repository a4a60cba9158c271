import type { KubeObject } from '@skiff/apimachinery';
import { describe, expect, it } from 'vitest';
import { appOf, groupOf, isManagedBy, objectKey, trackingId, typeOf } from './tracking.js';

function obj(apiVersion: string, kind: string, name: string, namespace?: string, annotations?: Record<string, string>): KubeObject {
  return { apiVersion, kind, metadata: { name, ...(namespace ? { namespace } : {}), ...(annotations ? { annotations } : {}) } };
}

describe('tracking ids', () => {
  it.each([
    { app: { namespace: 'default', name: 'shop' }, o: obj('v1', 'ConfigMap', 'cfg', 'shop'), id: 'default/shop:/ConfigMap:shop/cfg' },
    { app: { namespace: 'team-a', name: 'shop-front-end' }, o: obj('apps/v1', 'Deployment', 'web-v2', 'shop-prod'), id: 'team-a/shop-front-end:apps/Deployment:shop-prod/web-v2' },
    { app: { namespace: 'default', name: 'a-b-c' }, o: obj('v1', 'Namespace', 'shop-prod'), id: 'default/a-b-c:/Namespace:/shop-prod' },
    { app: { namespace: 'x', name: 'app.with.dots' }, o: obj('skiff.dev/v1alpha1', 'Application', 'child', 'x'), id: 'x/app.with.dots:skiff.dev/Application:x/child' },
    { app: { namespace: 'argocd', name: 'root', face: 'argoproj.io' as const }, o: obj('argoproj.io/v1alpha1', 'Application', 'child', 'argocd'), id: 'argoproj.io:argocd/root:argoproj.io/Application:argocd/child' },
  ])('$id round-trips to its Application', ({ app, o, id }) => {
    expect(trackingId(app, o)).toBe(id);
    const marked = obj(o.apiVersion, o.kind, o.metadata.name!, o.metadata.namespace, { 'skiff.dev/tracking-id': id });
    expect(appOf(marked)).toEqual(app);
    expect(isManagedBy(marked, app)).toBe(true);
  });

  it.each<{ case: string; annotations?: Record<string, string>; app: undefined }>([
    { case: 'no annotations', annotations: undefined, app: undefined },
    { case: 'only the label-like annotation', annotations: { 'skiff.dev/application': 'shop' }, app: undefined },
    { case: 'an id without a colon', annotations: { 'skiff.dev/tracking-id': 'default/shop' }, app: undefined },
    { case: 'an empty id', annotations: { 'skiff.dev/tracking-id': '' }, app: undefined },
  ])('appOf: $case -> none', ({ annotations, app }) => {
    expect(appOf(obj('v1', 'ConfigMap', 'cfg', 'ns', annotations))).toEqual(app);
  });

  it.each([
    { case: 'same app', id: 'default/shop:/ConfigMap:shop/cfg', app: { namespace: 'default', name: 'shop' }, managed: true },
    { case: 'same name, other namespace', id: 'team-b/shop:/ConfigMap:shop/cfg', app: { namespace: 'default', name: 'shop' }, managed: false },
    { case: 'name is a prefix of the owner', id: 'default/shop-2:/ConfigMap:shop/cfg', app: { namespace: 'default', name: 'shop' }, managed: false },
    { case: 'owner is a prefix of the name', id: 'default/shop:/ConfigMap:shop/cfg', app: { namespace: 'default', name: 'shop-2' }, managed: false },
    { case: 'namespace is a prefix', id: 'def/shop:/ConfigMap:shop/cfg', app: { namespace: 'default', name: 'shop' }, managed: false },
    { case: 'the argoproj.io face of the same name', id: 'argoproj.io:default/shop:/ConfigMap:shop/cfg', app: { namespace: 'default', name: 'shop' }, managed: false },
    { case: 'the skiff.dev face of the same name', id: 'default/shop:/ConfigMap:shop/cfg', app: { namespace: 'default', name: 'shop', face: 'argoproj.io' as const }, managed: false },
    { case: 'argoproj.io face', id: 'argoproj.io:default/shop:/ConfigMap:shop/cfg', app: { namespace: 'default', name: 'shop', face: 'argoproj.io' as const }, managed: true },
  ])('isManagedBy: $case -> $managed', ({ id, app, managed }) => {
    expect(isManagedBy(obj('v1', 'ConfigMap', 'cfg', 'shop', { 'skiff.dev/tracking-id': id }), app)).toBe(managed);
  });

  it('an object with the label but no tracking id is nobody\'s', () => {
    const o: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'shop', labels: { 'skiff.dev/application': 'shop' } } };
    expect(isManagedBy(o, { namespace: 'default', name: 'shop' })).toBe(false);
  });
});

describe('groupOf, typeOf, objectKey', () => {
  it.each([
    { apiVersion: 'v1', group: '' },
    { apiVersion: 'apps/v1', group: 'apps' },
    { apiVersion: 'skiff.dev/v1alpha1', group: 'skiff.dev' },
  ])('groupOf($apiVersion) = "$group"', ({ apiVersion, group }) => {
    expect(groupOf(apiVersion)).toBe(group);
  });

  it.each([
    { apiVersion: 'v1', kind: 'ConfigMap', resource: 'configmaps' },
    { apiVersion: 'apps/v1', kind: 'Deployment', resource: 'deployments' },
    { apiVersion: 'v1', kind: 'Deployment', resource: undefined },
    { apiVersion: 'v1', kind: 'Widget', resource: undefined },
  ])('typeOf($apiVersion $kind) = $resource', ({ apiVersion, kind, resource }) => {
    expect(typeOf({ apiVersion, kind })?.resource).toBe(resource);
  });

  it.each([
    { o: obj('v1', 'ConfigMap', 'cfg', 'shop'), key: 'ConfigMap shop/cfg' },
    { o: obj('apps/v1', 'Deployment', 'web', 'shop'), key: 'apps/Deployment shop/web' },
    { o: obj('v1', 'Namespace', 'shop'), key: 'Namespace shop' },
  ])('objectKey = $key', ({ o, key }) => {
    expect(objectKey(o)).toBe(key);
  });
});
