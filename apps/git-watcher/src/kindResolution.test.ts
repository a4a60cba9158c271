import type { KubeObject } from '@skiff/apimachinery';
import { describe, expect, it } from 'vitest';
import { resolveKinds } from './kindResolution.js';

const crd: KubeObject = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.example.com' },
  spec: {
    group: 'example.com',
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
    versions: [
      { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } },
      { name: 'v0', served: false, storage: false, schema: { openAPIV3Schema: { type: 'object' } } },
    ],
  },
};
const obj = (apiVersion: string, kind: string): KubeObject => ({ apiVersion, kind, metadata: { name: 'x' } });

describe('resolveKinds', () => {
  it.each([
    ['a built-in kind', obj('v1', 'ConfigMap'), 'configmaps', undefined],
    ['a kind a CRD of the revision defines', obj('example.com/v1', 'Widget'), 'widgets', 'widgets.example.com'],
    ['a version that CRD does not serve', obj('example.com/v0', 'Widget'), undefined, undefined],
    ['a kind nobody defines (no discovery)', obj('other.io/v1', 'Thing'), undefined, undefined],
  ])('%s', async (_what, o, resource, definedBy) => {
    const kinds = await resolveKinds([{ object: crd }, { object: o }], undefined);
    expect(kinds.typeOf(o)?.resource).toBe(resource);
    expect(kinds.definedBy(o)).toBe(definedBy);
  });
});
