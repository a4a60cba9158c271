import { ForbiddenError, InternalError, TooManyRequestsError, toStatus, type KubeObject } from '@skiff/apimachinery';
import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { describe, expect, it } from 'vitest';
import { decideEviction } from './eviction.js';

const NOW = new Date('2026-12-05T10:00:00Z');

function pod(opts: { phase?: string; ready?: boolean; deleting?: boolean; app?: string } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'default', labels: { app: opts.app ?? 'web' }, ...(opts.deleting ? { deletionTimestamp: '2026-12-05T09:59:00Z' } : {}) },
    status: { phase: opts.phase ?? 'Running', conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
  };
}

function budget(name: string, status: Partial<NonNullable<PodDisruptionBudget['status']>>, spec: PodDisruptionBudget['spec'] = {}): PodDisruptionBudget {
  return {
    metadata: { name, namespace: 'default', generation: 1 },
    spec: { selector: { matchLabels: { app: 'web' } }, minAvailable: 2, ...spec },
    status: { observedGeneration: 1, currentHealthy: 3, desiredHealthy: 2, disruptionsAllowed: 1, expectedPods: 3, ...status },
  };
}

describe('decideEviction', () => {
  it.each<[string, KubeObject, PodDisruptionBudget[]]>([
    ['no budget covers the pod', pod(), []],
    ['a budget for other pods', pod({ app: 'api' }), [budget('b', { disruptionsAllowed: 0 })]],
    ['a pending pod', pod({ phase: 'Pending' }), [budget('b', { disruptionsAllowed: 0 })]],
    ['a finished pod', pod({ phase: 'Succeeded' }), [budget('b', { disruptionsAllowed: 0 })]],
    ['a pod already being deleted', pod({ deleting: true }), [budget('b', { disruptionsAllowed: 0 })]],
    ['an unready pod while the budget is met', pod({ ready: false }), [budget('b', { disruptionsAllowed: 0, currentHealthy: 2, desiredHealthy: 2 })]],
    ['an unready pod with AlwaysAllow', pod({ ready: false }), [budget('b', { disruptionsAllowed: 0, currentHealthy: 1 }, { unhealthyPodEvictionPolicy: 'AlwaysAllow' })]],
  ])('deletes at once: %s', (_name, p, budgets) => {
    expect(decideEviction(p, budgets, NOW)).toEqual({ kind: 'delete' });
  });

  it('spends one disruption and records the pod', () => {
    const decision = decideEviction(pod(), [budget('b', {})], NOW);
    expect(decision).toMatchObject({ kind: 'decrement', status: { disruptionsAllowed: 0, disruptedPods: { 'web-1': '2026-12-05T10:00:00Z' } } });
    expect(decision.kind === 'decrement' && decision.status.conditions).toMatchObject([{ type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods' }]);
  });

  it('refuses with 429 and the budget in the cause when no disruption is allowed', () => {
    const decision = decideEviction(pod(), [budget('web-pdb', { disruptionsAllowed: 0, currentHealthy: 2 })], NOW);
    expect(decision.kind).toBe('refuse');
    const error = (decision as { error: Error }).error;
    expect(error).toBeInstanceOf(TooManyRequestsError);
    expect(toStatus(error)).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: "Cannot evict pod as it would violate the pod's disruption budget.",
      reason: 'TooManyRequests',
      details: { causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget web-pdb needs 2 healthy pods and has 2 currently' }] },
      code: 429,
    });
  });

  it('asks to retry while the budget is not yet processed for its generation', () => {
    const b: PodDisruptionBudget = { ...budget('b', { observedGeneration: 1 }), metadata: { name: 'b', namespace: 'default', generation: 2 } };
    const decision = decideEviction(pod(), [b], NOW);
    expect(decision.kind === 'refuse' && toStatus(decision.error).details).toEqual({ causes: [{ reason: 'DisruptionBudget', message: 'The disruption budget b is still being processed by the server.' }], retryAfterSeconds: 10 });
  });

  it('refuses a pod covered by two budgets, and a budget gone negative', () => {
    const two = decideEviction(pod(), [budget('a', {}), budget('b', {})], NOW);
    expect(two.kind === 'refuse' && two.error).toBeInstanceOf(InternalError);
    const negative = decideEviction(pod(), [budget('a', { disruptionsAllowed: -1 })], NOW);
    expect(negative.kind === 'refuse' && negative.error).toBeInstanceOf(ForbiddenError);
  });
});
