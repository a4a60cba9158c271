import type { KubeObject } from '@skiff/apimachinery';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { describe, expect, it } from 'vitest';
import { planBudgetStatus, scaledValue } from './disruptionStatus.js';

const NOW = new Date('2026-12-05T10:00:00Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function pod(name: string, opts: { ready?: boolean; app?: string; deleting?: boolean; owner?: string } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      labels: { app: opts.app ?? 'web' },
      ...(opts.deleting ? { deletionTimestamp: ago(0) } : {}),
      ...(opts.owner === undefined ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'rs-uid', controller: true }] } : {}),
    },
    status: { conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  };
}

function budget(spec: PodDisruptionBudget['spec'], disruptedPods?: Record<string, string>): PodDisruptionBudget {
  return { metadata: { name: 'b', namespace: 'default', generation: 2 }, spec: { selector: { matchLabels: { app: 'web' } }, ...spec }, ...(disruptedPods ? { status: { disruptedPods, currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 } } : {}) };
}

const threeReplicas = () => ({ uid: 'deploy-uid', replicas: 3 });

describe('scaledValue', () => {
  it.each<[number | string, number, number]>([
    [2, 10, 2],
    ['50%', 3, 2],
    ['50%', 4, 2],
    ['0%', 5, 0],
    ['100%', 5, 5],
    ['34%', 3, 2],
  ])('%s of %d is %d', (value, total, expected) => expect(scaledValue(value, total)).toBe(expected));
});

describe('planBudgetStatus', () => {
  it.each<[string, PodDisruptionBudget['spec'], KubeObject[], { expected: number; desired: number; current: number; allowed: number }]>([
    ['minAvailable 2 of 3 ready pods', { minAvailable: 2 }, [pod('a'), pod('b'), pod('c')], { expected: 3, desired: 2, current: 3, allowed: 1 }],
    ['minAvailable counts only covered pods', { minAvailable: 1 }, [pod('a'), pod('x', { app: 'other' })], { expected: 1, desired: 1, current: 1, allowed: 0 }],
    ['unready and deleting pods are not healthy', { minAvailable: 1 }, [pod('a', { ready: false }), pod('b', { deleting: true }), pod('c')], { expected: 3, desired: 1, current: 1, allowed: 0 }],
    ['maxUnavailable 1 against the controller scale', { maxUnavailable: 1 }, [pod('a'), pod('b'), pod('c')], { expected: 3, desired: 2, current: 3, allowed: 1 }],
    ['maxUnavailable larger than the scale never goes below 0', { maxUnavailable: 5 }, [pod('a')], { expected: 3, desired: 0, current: 1, allowed: 1 }],
    ['minAvailable 50% rounds up: 2 of 3', { minAvailable: '50%' }, [pod('a'), pod('b'), pod('c')], { expected: 3, desired: 2, current: 3, allowed: 1 }],
    ['a missing pod of the scale lowers current, not expected', { maxUnavailable: '34%' }, [pod('a'), pod('b')], { expected: 3, desired: 1, current: 2, allowed: 1 }],
  ])('%s', (_name, spec, pods, want) => {
    const plan = planBudgetStatus(budget(spec), { pods, scaleOf: threeReplicas, now: NOW });
    expect(plan.ok).toBe(true);
    expect(plan.status).toMatchObject({ expectedPods: want.expected, desiredHealthy: want.desired, currentHealthy: want.current, disruptionsAllowed: want.allowed, observedGeneration: 2 });
    expect(plan.status.conditions?.[0]).toMatchObject({ type: 'DisruptionAllowed', status: want.allowed > 0 ? 'True' : 'False', reason: want.allowed > 0 ? 'SufficientPods' : 'InsufficientPods' });
  });

  it('does not count a just-evicted pod, and drops the record after two minutes or once the pod is going', () => {
    const pods = [pod('a'), pod('b'), pod('c', { deleting: true })];
    const plan = planBudgetStatus(budget({ minAvailable: 1 }, { a: ago(30_000), b: ago(3 * 60_000), c: ago(1_000) }), { pods, scaleOf: threeReplicas, now: NOW });
    expect(plan.status).toMatchObject({ currentHealthy: 1, disruptionsAllowed: 0, disruptedPods: { a: ago(30_000) } });
    expect(plan.ok && plan.requeueAfterMs).toBe(90_000);
  });

  it('a percentage over a pod without a controller cannot be computed', () => {
    const plan = planBudgetStatus(budget({ maxUnavailable: '10%' }), { pods: [pod('a')], scaleOf: () => undefined, now: NOW });
    expect(plan).toMatchObject({ ok: false, reason: 'NoControllers', message: 'found no controllers for pod "a"', status: { disruptionsAllowed: 0 } });
  });

  it('a budget without a selector covers nothing', () => {
    const plan = planBudgetStatus({ metadata: { name: 'b', namespace: 'default' }, spec: { minAvailable: 1 } }, { pods: [pod('a')], scaleOf: threeReplicas, now: NOW });
    expect(plan.status).toMatchObject({ expectedPods: 0, currentHealthy: 0, disruptionsAllowed: 0 });
  });
});
