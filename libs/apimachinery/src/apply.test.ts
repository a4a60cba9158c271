import { describe, expect, it } from 'vitest';
import { applyServerSideApply, fieldPaths, recordUpdateManager, recordUpdateManagerByWalk } from './apply.js';
import { ApplyConflictError } from './errors.js';
import { patchSchemaFor } from './kinds/registry.js';
import type { KubeObject } from './types.js';

const schema = patchSchemaFor('v1', 'ConfigMap');
const NOW = '2026-11-25T10:00:00Z';
const cm = (data: Record<string, string>, labels?: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default', ...(labels ? { labels } : {}) }, data });

describe('server-side apply', () => {
  it('records the applied fields in FieldsV1 under the manager', () => {
    const out = applyServerSideApply(undefined, cm({ mode: 'fast' }, { app: 'x' }), 'kubectl', false, schema, NOW);
    expect(out.data).toEqual({ mode: 'fast' });
    expect(out.metadata.managedFields).toEqual([
      { manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', time: NOW, fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:mode': {} }, 'f:metadata': { 'f:labels': { 'f:app': {} } } } },
    ]);
  });

  it('removes fields the manager stopped applying, keeps others\' fields', () => {
    let live = applyServerSideApply(undefined, cm({ a: '1', b: '2' }), 'tool', false, schema, NOW);
    live = recordUpdateManager(live, { ...live, data: { ...(live.data as object), c: '3' } }, 'kubectl-edit', NOW, schema);
    live = applyServerSideApply(live, cm({ a: '1' }), 'tool', false, schema, NOW);
    expect(live.data).toEqual({ a: '1', c: '3' });
  });

  it('a field another manager set differently is a conflict, unless forced', () => {
    let live = applyServerSideApply(undefined, cm({ a: '1' }), 'tool', false, schema, NOW);
    live = recordUpdateManager(live, { ...live, data: { a: '9' } }, 'kubectl-edit', NOW, schema);
    let thrown: unknown;
    try {
      applyServerSideApply(live, cm({ a: '1' }), 'tool', false, schema, NOW);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ApplyConflictError);
    expect((thrown as ApplyConflictError).message).toBe('Apply failed with 1 conflict: conflict with "kubectl-edit" using v1: .data.a');
    expect((thrown as ApplyConflictError).details?.causes).toEqual([{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-edit" using v1', field: '.data.a' }]);
    const forced = applyServerSideApply(live, cm({ a: '1' }), 'tool', true, schema, NOW);
    expect(forced.data).toEqual({ a: '1' });
    expect(forced.metadata.managedFields?.map((m) => m.manager)).toEqual(['tool']);
  });

  it('keyed list elements are owned by key', () => {
    const pods = patchSchemaFor('v1', 'Pod');
    const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'web', image: 'v1' }] } };
    expect(fieldPaths(pod, pods).map((p) => p.join(' '))).toEqual(['f:spec f:containers k:{"name":"web"} .', 'f:spec f:containers k:{"name":"web"} f:name', 'f:spec f:containers k:{"name":"web"} f:image']);
  });

  it('a field another manager set to the same value becomes shared, not a conflict', () => {
    let live = applyServerSideApply(undefined, cm({ a: '1', b: '2' }), 'mgr1', false, schema, NOW);
    live = applyServerSideApply(live, cm({ a: '1' }), 'mgr2', false, schema, NOW);
    const owners = (live.metadata.managedFields ?? []).filter((m) => JSON.stringify(m.fieldsV1).includes('"f:a"')).map((m) => m.manager);
    expect(owners).toEqual(['mgr1', 'mgr2']);
    // mgr2 letting go of a shared field leaves it to mgr1.
    live = applyServerSideApply(live, cm({}), 'mgr2', false, schema, NOW);
    expect(live.data).toEqual({ a: '1', b: '2' });
  });

  it('equal list elements with server defaults are no conflict; a changed leaf is, named as Kubernetes prints it', () => {
    const deploys = patchSchemaFor('apps/v1', 'Deployment');
    const dep = (image: string): KubeObject => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replicas: 3, template: { spec: { containers: [{ name: 'nginx', image, ports: [{ containerPort: 80 }] }] } } } });
    const created = dep('nginx:1');
    (created.spec as any).template.spec.containers[0].ports[0].protocol = 'TCP';
    (created.spec as any).template.spec.containers[0].imagePullPolicy = 'IfNotPresent';
    let live = recordUpdateManager(undefined, created, 'creator', NOW, deploys);
    live = applyServerSideApply(live, dep('nginx:1'), 'python-client', false, deploys, NOW);
    expect(live.metadata.managedFields?.map((m) => m.manager)).toEqual(['creator', 'python-client']);
    const changed = { ...dep('nginx:2'), spec: { ...(dep('nginx:2').spec as object), replicas: 5 } } as KubeObject;
    let thrown: ApplyConflictError | undefined;
    try {
      applyServerSideApply(live, changed, 'other', false, deploys, NOW);
    } catch (err) {
      thrown = err as ApplyConflictError;
    }
    expect(thrown?.message).toBe('Apply failed with 4 conflicts: conflicts with "creator" using apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name="nginx"].image\nconflicts with "python-client":\n- .spec.replicas\n- .spec.template.spec.containers[name="nginx"].image');
    expect(thrown?.details?.causes).toEqual([
      { reason: 'FieldManagerConflict', message: 'conflict with "creator" using apps/v1', field: '.spec.replicas' },
      { reason: 'FieldManagerConflict', message: 'conflict with "creator" using apps/v1', field: '.spec.template.spec.containers[name="nginx"].image' },
      { reason: 'FieldManagerConflict', message: 'conflict with "python-client"', field: '.spec.replicas' },
      { reason: 'FieldManagerConflict', message: 'conflict with "python-client"', field: '.spec.template.spec.containers[name="nginx"].image' },
    ]);
  });

  it('a list element its only applier leaves out is removed, with its fields and their ownership', () => {
    const pods = patchSchemaFor('v1', 'Pod');
    const pod = (...names: string[]): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: names.map((name) => ({ name, image: `${name}:1` })) } });
    let live = applyServerSideApply(undefined, pod('web', 'sidecar'), 'tool', false, pods, NOW);
    live = applyServerSideApply(live, pod('web'), 'tool', false, pods, NOW);
    expect((live.spec as { containers: unknown[] }).containers).toEqual([{ name: 'web', image: 'web:1' }]);
    expect(JSON.stringify(live.metadata.managedFields)).not.toContain('sidecar');
  });
});


describe('recordUpdateManager: the diff of two objects owns what the walk of each whole object owned', () => {
  const pods = patchSchemaFor('v1', 'Pod');
  // A small seeded generator: the same cases every run.
  let seed = 0x5eed;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const pick = <T>(xs: T[]): T => xs[rand(xs.length)];
  const container = (name: string) => ({ name, image: pick(['a:1', 'a:2']), ...(rand(2) ? { ports: [{ containerPort: pick([80, 81]) }] } : {}), ...(rand(2) ? { env: [{ name: 'E', value: pick(['1', '2']) }] } : {}) });
  const pod = (): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default', ...(rand(2) ? { labels: { app: pick(['x', 'y']), ...(rand(2) ? { tier: 'web' } : {}) } } : {}), ...(rand(2) ? { finalizers: ['f/a', ...(rand(2) ? ['f/b'] : [])] } : {}), ...(rand(3) === 0 ? { annotations: {} } : {}) },
    spec: { ...(rand(2) ? { nodeName: pick(['n1', 'n2']) } : {}), containers: ['web', 'side', 'log'].slice(0, 1 + rand(3)).map(container), ...(rand(2) ? { nodeSelector: rand(2) ? {} : { disk: 'ssd' } } : {}) },
    ...(rand(2)
      ? {
          status: {
            phase: pick(['Pending', 'Running']),
            ...(rand(2) ? { podIP: pick(['10.0.0.1', '10.0.0.2']) } : {}),
            conditions: ['Ready', 'PodScheduled', 'Initialized'].slice(0, rand(4)).map((type) => ({ type, status: pick(['True', 'False']) })),
            ...(rand(2) ? { containerStatuses: [{ name: 'web', ready: rand(2) === 1, state: rand(2) ? { running: { startedAt: 't' } } : { waiting: { reason: 'r' } } }] } : {}),
          },
        }
      : {}),
  });

  it('gives the same managedFields as the whole walk over 500 random pod updates by three managers', () => {
    for (let i = 0; i < 500; i++) {
      const created = pod();
      let live = recordUpdateManager(undefined, created, 'creator', NOW, pods);
      expect(live, `case ${i}, created`).toEqual(recordUpdateManagerByWalk(undefined, created, 'creator', NOW, pods));
      for (let step = 0; step < 4; step++) {
        // Half the time an update touches only part of the object (the rest shared, as a patch leaves it).
        const next = pod();
        const after: KubeObject = rand(2) ? { ...live, status: next.status } : { ...next, metadata: { ...next.metadata, managedFields: live.metadata.managedFields } };
        const manager = pick(['creator', 'kubelet', 'scheduler']);
        const fast = recordUpdateManager(live, after, manager, NOW, pods);
        const whole = recordUpdateManagerByWalk(live, after, manager, NOW, pods);
        expect(fast, `case ${i}, step ${step}`).toEqual(whole);
        live = fast;
      }
    }
  });

  it('leaves the entries that lost nothing as they were', () => {
    const { status: _none, ...created } = pod();
    const live = recordUpdateManager(undefined, created as KubeObject, 'creator', NOW, pods);
    const after = recordUpdateManager(live, { ...live, status: { phase: 'Succeeded' } }, 'kubelet', NOW, pods);
    expect(after.metadata.managedFields?.map((e) => e.manager)).toEqual(['creator', 'kubelet']);
    expect(after.metadata.managedFields?.find((e) => e.manager === 'creator')).toBe(live.metadata.managedFields?.find((e) => e.manager === 'creator'));
  });
});
