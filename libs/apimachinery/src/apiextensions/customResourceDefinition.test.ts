import type { CustomResourceDefinition } from 'kubernetes-types/apiextensions/v1.js';
import { describe, expect, it } from 'vitest';
import { validationCauses } from '../validation.js';
import { CUSTOM_RESOURCE_DEFINITION } from '../kinds/apiextensions.js';
import type { KubeObject } from '../types.js';
import { customResourceDefinitionStatus } from './customResourceDefinitionStatus.js';
import { customResourceKinds } from './customResourceKind.js';
import { customResourcePrinter } from './customResourcePrinter.js';
import { jsonPathValues } from './jsonPath.js';
import { compareKubeVersions, KindRegistry } from './kindRegistry.js';

const NOW = '2026-12-05T10:00:00Z';

function crd(name = 'crontabs.stable.example.com', names: Partial<CustomResourceDefinition['spec']['names']> = {}, extra: Partial<CustomResourceDefinition> = {}): CustomResourceDefinition {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name },
    spec: {
      group: 'stable.example.com',
      scope: 'Namespaced',
      names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', listKind: 'CronTabList', shortNames: ['ct'], ...names },
      versions: [
        { name: 'v1beta1', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object' } } },
        { name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { replicas: { type: 'integer' } } } } } } },
      ],
    },
    ...extra,
  };
}

const accepted = (c: CustomResourceDefinition): CustomResourceDefinition => ({ ...c, status: customResourceDefinitionStatus(c, [], NOW) });

describe('customResourceDefinitionStatus', () => {
  it('accepts free names and establishes the CRD, with its storage version stored', () => {
    const status = customResourceDefinitionStatus(crd(), [], NOW);
    expect(status.acceptedNames).toEqual({ plural: 'crontabs', singular: 'crontab', kind: 'CronTab', listKind: 'CronTabList', shortNames: ['ct'] });
    expect(status.conditions).toEqual([
      { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found', lastTransitionTime: NOW },
      { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted', lastTransitionTime: NOW },
    ]);
    expect(status.storedVersions).toEqual(['v1']);
  });

  it.each([
    ['the plural', { plural: 'crontabs', kind: 'Other', listKind: 'OtherList', singular: 'other', shortNames: [] }, 'PluralConflict', '"crontabs" is already in use'],
    ['a short name', { plural: 'others', kind: 'Other', listKind: 'OtherList', singular: 'other', shortNames: ['ct'] }, 'ShortNamesConflict', '"ct" is already in use'],
    ['the kind', { plural: 'others', kind: 'CronTab', listKind: 'OtherList', singular: 'other', shortNames: [] }, 'KindConflict', '"CronTab" is already in use'],
  ])('refuses %s another CRD of the group has accepted', (_what, names, reason, message) => {
    const other = crd('others.stable.example.com', names);
    const status = customResourceDefinitionStatus(other, [accepted(crd())], NOW);
    expect(status.conditions?.find((c) => c.type === 'NamesAccepted')).toMatchObject({ status: 'False', reason, message });
    expect(status.conditions?.find((c) => c.type === 'Established')).toMatchObject({ status: 'False', reason: 'NotAccepted' });
  });

  it('changes nothing on a second pass (compute, compare, write)', () => {
    const once = accepted(crd());
    expect(customResourceDefinitionStatus(once, [once], '2026-12-05T11:00:00Z')).toEqual(once.status);
  });
});

describe('CustomResourceDefinition validation', () => {
  const causes = (c: CustomResourceDefinition) => validationCauses(c as unknown as KubeObject, CUSTOM_RESOURCE_DEFINITION).map((x) => `${x.field}: ${x.message}`);
  it.each<[string, CustomResourceDefinition, string]>([
    ['a name that is not plural.group', crd('crontabs.example.com'), 'metadata.name: Invalid value: "crontabs.example.com": must be spec.names.plural+"."+spec.group'],
    ['a group without a dot', { ...crd('crontabs.stable'), spec: { ...crd().spec, group: 'stable' } }, 'spec.group: Invalid value: "stable": should be a domain with at least one dot'],
    ['an unknown scope', { ...crd(), spec: { ...crd().spec, scope: 'Global' } }, 'spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"'],
    ['no storage version', { ...crd(), spec: { ...crd().spec, versions: crd().spec.versions.map((v) => ({ ...v, storage: false })) } }, 'spec.versions: Invalid value: ["v1beta1","v1"]: must have exactly one version marked as storage version'],
    ['a version without a schema', { ...crd(), spec: { ...crd().spec, versions: [{ name: 'v1', served: true, storage: true }] } }, 'spec.versions[0].schema.openAPIV3Schema: Required value'],
  ])('refuses %s', (_what, c, expected) => {
    expect(causes(c)).toContain(expected);
  });

  it('accepts a valid CRD', () => {
    expect(causes(crd())).toEqual([]);
  });
});

describe('custom resource kinds', () => {
  it('serves each served version with the storage version as storage', () => {
    const kinds = customResourceKinds(accepted(crd()));
    expect(kinds.map((k) => [k.version, k.resource, k.kind, k.namespaced, k.storageApiVersion])).toEqual([
      ['v1beta1', 'crontabs', 'CronTab', true, 'stable.example.com/v1'],
      ['v1', 'crontabs', 'CronTab', true, 'stable.example.com/v1'],
    ]);
  });

  it('a registry serves Established CRDs only, preferred version first, and forgets removed ones', () => {
    const registry = new KindRegistry();
    registry.setCustomResourceDefinitions([crd()]);
    expect(registry.findResource('stable.example.com', 'v1', 'crontabs')).toBeUndefined();
    registry.setCustomResourceDefinitions([accepted(crd())]);
    expect(registry.findByKind('stable.example.com/v1', 'CronTab')?.resource).toBe('crontabs');
    expect(registry.groups().at(-1)).toEqual({ group: 'stable.example.com', versions: ['v1', 'v1beta1'] });
    registry.setCustomResourceDefinitions([]);
    expect(registry.servesGroupVersion('stable.example.com', 'v1')).toBe(false);
  });

  it.each([
    [['v1alpha1', 'v1', 'foo', 'v2beta1', 'v1beta2', 'v2'], ['v2', 'v1', 'v2beta1', 'v1beta2', 'v1alpha1', 'foo']],
  ])('orders versions as Kubernetes prioritises them', (input, expected) => {
    expect([...input].sort(compareKubeVersions)).toEqual(expected);
  });
});

describe('printer columns', () => {
  const obj = { metadata: { name: 'c', creationTimestamp: '2026-12-05T09:59:00Z', labels: { 'app.kubernetes.io/name': 'cron' } }, spec: { cronSpec: '* * * * *', replicas: 2.0, ready: true, tags: ['a', 'b'], weight: 0.5 } };

  it.each([
    ['.spec.cronSpec', ['* * * * *']],
    ['.spec.tags[1]', ['b']],
    ['.spec.tags[*]', ['a', 'b']],
    [".metadata.labels['app.kubernetes.io/name']", ['cron']],
    ['.spec.missing', []],
  ])('jsonPath %s', (path, expected) => {
    expect(jsonPathValues(obj, path)).toEqual(expected);
  });

  it('types cells as the column says; a path that finds nothing is null', () => {
    const printer = customResourcePrinter([
      { name: 'Spec', type: 'string', jsonPath: '.spec.cronSpec' },
      { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
      { name: 'Ready', type: 'boolean', jsonPath: '.spec.ready' },
      { name: 'Weight', type: 'number', jsonPath: '.spec.weight' },
      { name: 'Tags', type: 'string', jsonPath: '.spec.tags' },
      { name: 'Missing', type: 'string', jsonPath: '.spec.missing' },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ]);
    expect(printer.columns.map((c) => c.name)).toEqual(['Name', 'Spec', 'Replicas', 'Ready', 'Weight', 'Tags', 'Missing', 'Age']);
    expect(printer.cells(obj, new Date(NOW)).cells).toEqual(['c', '* * * * *', 2, true, 0.5, '["a","b"]', null, '60s']);
  });

  it('without columns shows Name and Age', () => {
    expect(customResourcePrinter(undefined).columns.map((c) => [c.name, c.type])).toEqual([['Name', 'string'], ['Age', 'date']]);
  });
});
