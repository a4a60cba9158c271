import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { assessHealth } from './assessHealth.js';
import type { HealthStatus } from './healthStatus.js';
import { worstHealth } from './worstHealth.js';

function makeDeployment() {
  const d: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', generation: 2 },
    spec: { replicas: 3 },
    status: { observedGeneration: 2, replicas: 3, updatedReplicas: 3, readyReplicas: 3, availableReplicas: 3, conditions: [] as unknown[] },
  };
  const status = d.status as Record<string, unknown>;
  const b = {
    counts: (replicas: number, updated: number, available: number) => (Object.assign(status, { replicas, updatedReplicas: updated, availableReplicas: available }), b),
    observed: (generation: number) => ((status.observedGeneration = generation), b),
    paused: () => (((d.spec as Record<string, unknown>).paused = true), b),
    deadlineExceeded: () => ((status.conditions = [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }]), b),
    build: () => d,
  };
  return b;
}

function makePod(name = 'web-1') {
  const p: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: [{ name: 'web', image: 'x' }] },
    status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'web', ready: true, restartCount: 0, state: { running: {} } }] },
  };
  const status = p.status as Record<string, unknown>;
  const container = () => (status.containerStatuses as Record<string, unknown>[])[0];
  const b = {
    phase: (phase: string, message?: string) => ((status.phase = phase), message && (status.message = message), b),
    notReady: () => ((status.conditions = [{ type: 'Ready', status: 'False' }]), (container().ready = false), b),
    waiting: (reason: string, message?: string) => (b.notReady(), Object.assign(container(), { state: { waiting: { reason, message } } }), b),
    restartedAfterExit: (exitCode: number) => (Object.assign(container(), { restartCount: 2, lastState: { terminated: { exitCode, reason: 'Error' } } }), b),
    terminated: (exitCode: number) => (Object.assign(container(), { state: { terminated: { exitCode, reason: 'Error' } } }), b),
    restartPolicy: (policy: string) => (((p.spec as Record<string, unknown>).restartPolicy = policy), b),
    build: () => p,
  };
  return b;
}

describe('assessHealth', () => {
  it.each<[string, KubeObject | undefined, KubeObject[] | undefined, HealthStatus]>([
    ['a complete rollout', makeDeployment().build(), undefined, { status: 'Healthy' }],
    ['generation not yet observed', makeDeployment().observed(1).build(), undefined, { status: 'Progressing', message: 'Waiting for rollout to finish: observed deployment generation less than desired generation' }],
    ['mid-rollout: new replicas still being created', makeDeployment().counts(4, 1, 3).build(), undefined, { status: 'Progressing', message: 'Waiting for rollout to finish: 1 out of 3 new replicas have been updated...' }],
    ['mid-rollout: old replicas terminating', makeDeployment().counts(4, 3, 3).build(), undefined, { status: 'Progressing', message: 'Waiting for rollout to finish: 1 old replicas are pending termination...' }],
    ['mid-rollout: updated not yet available', makeDeployment().counts(3, 3, 2).build(), undefined, { status: 'Progressing', message: 'Waiting for rollout to finish: 2 of 3 updated replicas are available...' }],
    ['progress deadline exceeded', makeDeployment().counts(4, 1, 3).deadlineExceeded().build(), undefined, { status: 'Degraded', message: 'Deployment "web" exceeded its progress deadline' }],
    ['paused', makeDeployment().counts(4, 1, 3).paused().build(), undefined, { status: 'Suspended', message: 'Deployment is paused' }],
    ['healthy pods keep a complete rollout Healthy', makeDeployment().build(), [makePod().build()], { status: 'Healthy' }],
    [
      'a crash-looping new pod makes the rollout Degraded at once',
      makeDeployment().counts(4, 1, 3).build(),
      [makePod('web-new').waiting('CrashLoopBackOff', 'back-off 10s restarting failed container').build()],
      { status: 'Degraded', message: 'Pod "web-new" container "web" is in CrashLoopBackOff: back-off 10s restarting failed container' },
    ],
    [
      'a pod between crash-loop restarts',
      makeDeployment().counts(4, 1, 3).build(),
      [makePod('web-new').notReady().restartedAfterExit(1).build()],
      { status: 'Degraded', message: 'Pod "web-new" container "web" is in Error: exit code 1, restarted 2 times' },
    ],
    [
      'a pod that cannot pull its image',
      makeDeployment().counts(4, 1, 3).build(),
      [makePod('web-new').waiting('ImagePullBackOff').build()],
      { status: 'Degraded', message: 'Pod "web-new" container "web" is in ImagePullBackOff' },
    ],
    ['a pod that crashed once and is Ready again has recovered', makeDeployment().build(), [makePod().restartedAfterExit(1).build()], { status: 'Healthy' }],
    ['absent', undefined, undefined, { status: 'Missing' }],
  ])('Deployment: %s', (_name, obj, pods, expected) => {
    expect(assessHealth(obj, pods ? { pods } : {})).toEqual(expected);
  });

  it.each<[string, KubeObject, HealthStatus]>([
    ['running and ready', makePod().build(), { status: 'Healthy' }],
    ['pending', makePod().phase('Pending', 'waiting for a node').notReady().build(), { status: 'Progressing', message: 'waiting for a node' }],
    ['succeeded', makePod().phase('Succeeded').notReady().build(), { status: 'Healthy' }],
    ['failed with a message', makePod().phase('Failed', 'OOMKilled').notReady().build(), { status: 'Degraded', message: 'OOMKilled' }],
    ['failed with a container exit', makePod().phase('Failed').terminated(2).build(), { status: 'Degraded', message: 'Pod "web-1" container "web" is in Error: exit code 2' }],
    ['crash loop', makePod().waiting('CrashLoopBackOff').build(), { status: 'Degraded', message: 'Pod "web-1" container "web" is in CrashLoopBackOff' }],
    ['config error', makePod().phase('Pending').waiting('CreateContainerConfigError', 'secret "x" not found').build(), { status: 'Degraded', message: 'Pod "web-1" container "web" is in CreateContainerConfigError: secret "x" not found' }],
    ['running, not ready yet', makePod().notReady().build(), { status: 'Progressing', message: 'Pod "web-1" is running but not ready' }],
    ['a Job pod running', makePod().restartPolicy('Never').notReady().build(), { status: 'Progressing' }],
    ['no phase', makePod().phase('').build(), { status: 'Unknown' }],
  ])('Pod: %s', (_name, pod, expected) => {
    expect(assessHealth(pod)).toEqual(expected);
  });

  it.each<[string, KubeObject, HealthStatus]>([
    ['ClusterIP Service', { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { type: 'ClusterIP' } }, { status: 'Healthy' }],
    ['LoadBalancer without ingress', { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { type: 'LoadBalancer' }, status: {} }, { status: 'Progressing', message: 'Waiting for a load balancer address' }],
    ['LoadBalancer with ingress', { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { type: 'LoadBalancer' }, status: { loadBalancer: { ingress: [{ ip: '127.0.0.9' }] } } }, { status: 'Healthy' }],
    ['ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }, { status: 'Healthy' }],
    ['being deleted', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', deletionTimestamp: '2025-01-01T00:00:00Z' } }, { status: 'Progressing', message: 'Pending deletion' }],
    [
      'ReplicaSet short of available',
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'r', generation: 1 }, spec: { replicas: 2 }, status: { observedGeneration: 1, replicas: 2, availableReplicas: 1 } },
      { status: 'Progressing', message: 'Waiting for rollout to finish: 1 out of 2 new replicas are available...' },
    ],
    [
      'ReplicaSet with ReplicaFailure',
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'r', generation: 1 }, spec: { replicas: 2 }, status: { observedGeneration: 1, conditions: [{ type: 'ReplicaFailure', status: 'True', message: 'quota exceeded' }] } },
      { status: 'Degraded', message: 'quota exceeded' },
    ],
  ])('%s', (_name, obj, expected) => {
    expect(assessHealth(obj)).toEqual(expected);
  });
});

describe('worstHealth', () => {
  it.each<[HealthStatus['status'][], HealthStatus['status']]>([
    [[], 'Healthy'],
    [['Healthy', 'Suspended'], 'Suspended'],
    [['Suspended', 'Progressing', 'Healthy'], 'Progressing'],
    [['Progressing', 'Missing'], 'Missing'],
    [['Missing', 'Degraded', 'Progressing'], 'Degraded'],
    [['Degraded', 'Unknown'], 'Unknown'],
  ])('%j -> %s', (list, expected) => {
    expect(worstHealth(list.map((status) => ({ status }))).status).toBe(expected);
  });

  it('keeps the message of the first worst', () => {
    expect(worstHealth([{ status: 'Degraded', message: 'a' }, { status: 'Degraded', message: 'b' }])).toEqual({ status: 'Degraded', message: 'a' });
  });
});

describe('PersistentVolumeClaim health', () => {
  const claim = (phase?: string): KubeObject => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' }, spec: {}, ...(phase ? { status: { phase } } : {}) });
  it.each<[string | undefined, HealthStatus['status']]>([
    ['Bound', 'Healthy'],
    ['Pending', 'Progressing'],
    ['Lost', 'Degraded'],
    [undefined, 'Unknown'],
  ])('%s is %s', (phase, status) => {
    expect(assessHealth(claim(phase)).status).toBe(status);
  });
});
