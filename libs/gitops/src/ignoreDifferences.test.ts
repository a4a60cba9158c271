import { patchSchemaFor, type KubeObject } from '@skiff/apimachinery';
import { describe, expect, it } from 'vitest';
import { driftedFields } from './driftedFields.js';
import { ignoredFields, isIgnored, keepIgnoredLive, type IgnoreDifference } from './ignoreDifferences.js';
import { jqPaths, UnsupportedJqError } from './jqPaths.js';

const deployment = (replicas: number, containers: { name: string; image: string }[], extra: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'shop', ...extra },
  spec: { replicas, template: { spec: { containers } } },
});

describe('jqPaths', () => {
  const value = { spec: { containers: [{ name: 'side', image: 's' }, { name: 'web', image: 'w' }], 'a.b': 1 } };
  it.each<[string, (string | number)[][]]>([
    ['.spec.containers', [['spec', 'containers']]],
    ['.spec.containers[1].image', [['spec', 'containers', 1, 'image']]],
    ['.spec.containers[]', [['spec', 'containers', 0], ['spec', 'containers', 1]]],
    ['.spec.containers[] | select(.name == "web") | .image', [['spec', 'containers', 1, 'image']]],
    ['.spec.containers[] | select(.name != "web") | .image', [['spec', 'containers', 0, 'image']]],
    ['.spec["a.b"]', [['spec', 'a.b']]],
    ['.spec.missing[]', []],
  ])('%s', (expr, paths) => {
    expect(jqPaths(expr, value)).toEqual(paths);
  });

  it.each(['.spec | length', 'del(.spec)', '.spec.containers[] | select(.name | startswith("w"))', 'spec'])('refuses %s with what is supported', (expr) => {
    expect(() => jqPaths(expr, value)).toThrow(UnsupportedJqError);
    expect(() => jqPaths(expr, value)).toThrow(/supported: paths/);
  });
});

describe('ignoreDifferences', () => {
  const desired = deployment(2, [{ name: 'web', image: 'v1' }]);
  const live = deployment(5, [{ name: 'istio-proxy', image: 'p' }, { name: 'web', image: 'v2' }], {
    managedFields: [
      { manager: 'hpa', operation: 'Update', fieldsV1: { 'f:spec': { 'f:replicas': {} } } },
      { manager: 'skiff-gitops', operation: 'Apply', fieldsV1: { 'f:spec': { 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"web"}': { '.': {}, 'f:image': {} } } } } } } },
    ],
  });
  const drift = driftedFields(desired, live, patchSchemaFor('apps/v1', 'Deployment'));
  const ignoredPaths = (rules: IgnoreDifference[]) => drift.filter((f) => isIgnored(f, ignoredFields(rules, desired, live))).map((f) => f.path);

  it.each<[string, IgnoreDifference[], string[]]>([
    ['nothing ignored', [], []],
    ['a JSON pointer', [{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }], ['spec.replicas']],
    ['a rule for another kind', [{ group: 'apps', kind: 'StatefulSet', jsonPointers: ['/spec/replicas'] }], []],
    ['a rule for another name', [{ group: 'apps', kind: 'Deployment', name: 'api', jsonPointers: ['/spec/replicas'] }], []],
    ['a jq select matches the live index, not the manifest one', [{ group: 'apps', kind: 'Deployment', jqPathExpressions: ['.spec.template.spec.containers[] | select(.name == "web") | .image'] }], ['spec.template.spec.containers[name=web].image']],
    ['a managedFields manager', [{ group: 'apps', kind: 'Deployment', managedFieldsManagers: ['hpa'] }], ['spec.replicas']],
    ['a parent pointer covers its fields', [{ group: 'apps', kind: '*', jsonPointers: ['/spec'] }], ['spec.replicas', 'spec.template.spec.containers[name=web].image']],
  ])('%s', (_name, rules, ignored) => {
    expect(drift.map((f) => f.path)).toEqual(['spec.replicas', 'spec.template.spec.containers[name=web].image']);
    expect(ignoredPaths(rules)).toEqual(ignored);
  });

  it('heals with the ignored fields left at their live values', () => {
    const ignored = ignoredFields([{ group: 'apps', kind: 'Deployment', jsonPointers: ['/spec/replicas'] }], desired, live);
    const heal = keepIgnoredLive(desired, drift.filter((f) => isIgnored(f, ignored)));
    expect(heal.spec).toEqual({ replicas: 5, template: { spec: { containers: [{ name: 'web', image: 'v1' }] } } });
    expect(desired.spec).toEqual({ replicas: 2, template: { spec: { containers: [{ name: 'web', image: 'v1' }] } } });
  });
});
