import { describe, expect, it } from 'vitest';
import { controllerRevisionPrinter, statefulSetPrinter } from './statefulSet.js';

const NOW = new Date('2026-01-01T00:10:00Z');

describe('statefulSetPrinter', () => {
  it('NAME READY AGE CONTAINERS IMAGES', () => {
    expect(statefulSetPrinter.columns.map((c) => `${c.name}:${c.priority}`)).toEqual(['Name:0', 'Ready:0', 'Age:0', 'Containers:1', 'Images:1']);
  });
  it.each([
    ['ready over desired', { replicas: 3 }, { readyReplicas: 2 }, '2/3'],
    ['no status yet', { replicas: 3 }, undefined, '0/3'],
    ['replicas unset is 1', {}, {}, '0/1'],
  ])('%s', (_, spec, status, ready) => {
    const o = { metadata: { name: 'web', creationTimestamp: '2026-01-01T00:00:00Z' }, spec: { ...spec, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1' }, { name: 'side', image: 'busybox' }] } } }, status };
    expect(statefulSetPrinter.cells(o, NOW).cells).toEqual(['web', ready, '10m', 'nginx,side', 'nginx:1,busybox']);
  });
});

describe('controllerRevisionPrinter', () => {
  it.each([
    ['a StatefulSet revision', [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'u', controller: true }], 'statefulset.apps/web'],
    ['an orphan', [], ''],
    ['a core owner', [{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: 'u', controller: true }], 'pod/p'],
  ])('%s', (_, ownerReferences, controller) => {
    const o = { metadata: { name: 'web-abc', creationTimestamp: '2026-01-01T00:00:00Z', ownerReferences }, revision: 2 };
    expect(controllerRevisionPrinter.cells(o, NOW).cells).toEqual(['web-abc', controller, 2, '10m']);
  });
});
