import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../types.js';
import { updateCauses, validationCauses } from '../validation.js';
import { CONTROLLER_REVISION, DAEMON_SET } from './apps.js';
import { REPLICATION_CONTROLLER } from './core.js';
import type { Kind } from './kind.js';
import { applyDefaults } from './registry.js';

const template = (labels: Record<string, string>) => ({ metadata: { labels }, spec: { containers: [{ name: 'c', image: 'agent:v1' }] } });

function daemonSet(): KubeObject {
  return applyDefaults({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'agent' } }, template: template({ app: 'agent' }) } });
}

function rc(): KubeObject {
  return applyDefaults({ apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'web', namespace: 'default' }, spec: { template: template({ app: 'web' }) } });
}

// Loosely typed access for mutations in the table below.
type Any = Record<string, any>;

function causes(kind: Kind, obj: KubeObject, mutate: (o: Any) => void) {
  const copy = structuredClone(obj);
  mutate(copy as Any);
  return validationCauses(copy, kind).map((c) => `${c.field}: ${c.message}`);
}

describe('DaemonSet defaults', () => {
  it('rolling update with maxUnavailable 1 and maxSurge 0, ten revisions, pod defaults, and zero counts', () => {
    const ds = daemonSet() as Any;
    expect(ds.spec.updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } });
    expect(ds.spec.revisionHistoryLimit).toBe(10);
    expect(ds.spec.template.spec.restartPolicy).toBe('Always');
    expect(ds.status).toEqual({ currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 });
  });

  it('OnDelete gets no rolling parameters, and set values are kept', () => {
    const ds = applyDefaults({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'a' }, spec: { updateStrategy: { type: 'OnDelete' }, revisionHistoryLimit: 2 } }) as Any;
    expect(ds.spec.updateStrategy).toEqual({ type: 'OnDelete' });
    expect(ds.spec.revisionHistoryLimit).toBe(2);
  });
});

describe('DaemonSet validation', () => {
  it('accepts the defaulted DaemonSet', () => {
    expect(validationCauses(daemonSet(), DAEMON_SET)).toEqual([]);
  });

  it.each<[string, (o: Any) => void, string]>([
    ['a selector that does not match the template', (o) => (o.spec.selector.matchLabels = { app: 'other' }), 'spec.template.metadata.labels: Invalid value: map[string]string{"app":"agent"}: `selector` does not match template `labels`'],
    ['an empty selector', (o) => (o.spec.selector = {}), 'spec.selector: Invalid value: {}: empty selector is invalid for daemonset'],
    ['no selector', (o) => delete o.spec.selector, 'spec.selector: Required value'],
    ['restartPolicy OnFailure', (o) => (o.spec.template.spec.restartPolicy = 'OnFailure'), 'spec.template.spec.restartPolicy: Unsupported value: "OnFailure": supported values: "Always"'],
    ['activeDeadlineSeconds', (o) => (o.spec.template.spec.activeDeadlineSeconds = 5), 'spec.template.spec.activeDeadlineSeconds: Invalid value: 5: activeDeadlineSeconds in DaemonSet is not Supported'],
    ['both maxUnavailable and maxSurge', (o) => (o.spec.updateStrategy.rollingUpdate = { maxUnavailable: 1, maxSurge: 1 }), 'spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero'],
    ['neither', (o) => (o.spec.updateStrategy.rollingUpdate = { maxUnavailable: 0, maxSurge: 0 }), 'spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0'],
    ['more than 100%', (o) => (o.spec.updateStrategy.rollingUpdate = { maxUnavailable: '120%', maxSurge: 0 }), 'spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: "120%": must not be greater than 100%'],
    ['an unknown strategy', (o) => (o.spec.updateStrategy = { type: 'Recreate' }), 'spec.updateStrategy: Unsupported value: map[string]string{"type":"Recreate"}: supported values: "RollingUpdate", "OnDelete"'],
    ['a negative revisionHistoryLimit', (o) => (o.spec.revisionHistoryLimit = -1), 'spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0'],
  ])('refuses %s', (_name, mutate, want) => {
    expect(causes(DAEMON_SET, daemonSet(), mutate)).toContain(want);
  });

  it('keeps the selector immutable', () => {
    const old = daemonSet();
    const next = structuredClone(old) as Any;
    next.spec.selector.matchLabels.tier = 'x';
    next.spec.template.metadata.labels.tier = 'x';
    expect(updateCauses(next as KubeObject, old, DAEMON_SET).map((c) => `${c.field}: ${c.message}`)).toEqual(['spec.selector: Invalid value: {"matchLabels":{"app":"agent","tier":"x"}}: field is immutable']);
  });
});

describe('DaemonSet template generation', () => {
  it('starts at 1, stays on metadata-only writes and counts template changes', () => {
    const created = structuredClone(daemonSet());
    created.status = { numberReady: 3 };
    DAEMON_SET.prepareForCreate!(created);
    expect(created.status).toBeUndefined();
    expect(created.metadata.annotations).toEqual({ 'deprecated.daemonset.template.generation': '1' });

    const touched = structuredClone(created);
    touched.metadata.annotations = { other: 'x' };
    DAEMON_SET.prepareForUpdate!(touched, created);
    expect(touched.metadata.annotations).toEqual({ other: 'x', 'deprecated.daemonset.template.generation': '1' });

    const undefaulted = structuredClone(created) as Any;
    undefaulted.spec.template = template({ app: 'agent' });
    DAEMON_SET.prepareForUpdate!(undefaulted as KubeObject, created);
    expect(undefaulted.metadata.annotations['deprecated.daemonset.template.generation']).toBe('1');

    const changed = structuredClone(created) as Any;
    changed.spec.template.spec.containers[0].image = 'agent:v2';
    DAEMON_SET.prepareForUpdate!(changed as KubeObject, created);
    expect(changed.metadata.annotations['deprecated.daemonset.template.generation']).toBe('2');
  });
});

describe('ReplicationController', () => {
  it('defaults its selector and labels from the template, and one replica', () => {
    const obj = rc() as Any;
    expect(obj.spec.selector).toEqual({ app: 'web' });
    expect(obj.metadata.labels).toEqual({ app: 'web' });
    expect(obj.spec.replicas).toBe(1);
    expect(obj.status).toEqual({ replicas: 0 });
    expect(validationCauses(rc(), REPLICATION_CONTROLLER)).toEqual([]);
  });

  it('keeps a selector and labels it was given', () => {
    const obj = applyDefaults({ apiVersion: 'v1', kind: 'ReplicationController', metadata: { name: 'w', labels: { mine: 'yes' } }, spec: { selector: { app: 'web' }, template: template({ app: 'web', tier: 'x' }) } }) as Any;
    expect(obj.spec.selector).toEqual({ app: 'web' });
    expect(obj.metadata.labels).toEqual({ mine: 'yes' });
  });

  it.each<[string, (o: Any) => void, string]>([
    ['a selector that does not match the template', (o) => (o.spec.selector = { app: 'other' }), 'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`'],
    ['an empty selector', (o) => (o.spec.selector = {}), 'spec.selector: Required value'],
    ['no template', (o) => delete o.spec.template, 'spec.template: Required value'],
    ['restartPolicy Never', (o) => (o.spec.template.spec.restartPolicy = 'Never'), 'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
    ['negative replicas', (o) => (o.spec.replicas = -1), 'spec.replicas: Invalid value: -1: must be greater than or equal to 0'],
  ])('refuses %s', (_name, mutate, want) => {
    expect(causes(REPLICATION_CONTROLLER, rc(), mutate)).toContain(want);
  });

  it('lets the selector change, and serves it to /scale as a selector string', () => {
    const old = rc();
    const next = structuredClone(old) as Any;
    next.spec.selector = { app: 'web', tier: 'x' };
    next.spec.template.metadata.labels.tier = 'x';
    expect(updateCauses(next as KubeObject, old, REPLICATION_CONTROLLER)).toEqual([]);
    expect(REPLICATION_CONTROLLER.scale!.selector!(next as KubeObject)).toBe('app=web,tier=x');
  });
});

describe('ControllerRevision', () => {
  const rev = (): KubeObject => ({ apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'agent-abc', namespace: 'default' }, data: { spec: {} }, revision: 1 } as KubeObject);
  it('needs data and a non-negative revision, and its data never changes', () => {
    expect(validationCauses(rev(), CONTROLLER_REVISION)).toEqual([]);
    expect(causes(CONTROLLER_REVISION, rev(), (o) => delete o.data)).toContain('data: Required value: data is mandatory');
    expect(causes(CONTROLLER_REVISION, rev(), (o) => (o.revision = -1))).toContain('revision: Invalid value: -1: must be greater than or equal to 0');
    const next = { ...rev(), data: { spec: { x: 1 } }, revision: 2 };
    expect(updateCauses(next, rev(), CONTROLLER_REVISION).map((c) => c.field)).toEqual(['data']);
  });
});
