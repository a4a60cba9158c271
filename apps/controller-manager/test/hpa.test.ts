import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HorizontalPodAutoscaler, HorizontalPodAutoscalerBehavior } from 'kubernetes-types/autoscaling/v2.js';
import { nodeTokenSecret, type KubeObject } from '@skiff/apimachinery';
import { resourceType } from '@skiff/kube-client';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodeAgent, type NodeAgent } from '../../node-agent/src/index.js';
import { SIMULATED_CPU_ANNOTATION } from '../../node-agent/src/simulate/simulatedUsage.js';
import { HORIZONTAL_POD_AUTOSCALERS, PODS, REPLICASETS } from '../src/resources.js';
import { TestCluster } from './cluster.js';
import { reconciles } from './reconciles.js';

const SECRETS = resourceType('secrets');
const CONTROLLER = 'horizontalpodautoscaler';

/**
 * The HPA controller against a real API server serving metrics.k8s.io from a simulated node
 * agent: pods run nowhere, and each reports the cpu its `skiff.dev/simulated-cpu-usage`
 * annotation says (as kwok simulates usage). Requests are 100m, so 300m is 300 % of request.
 */
describe('horizontal pod autoscaler controller', () => {
  let c: TestCluster;
  let agent: NodeAgent;
  const node = `hpa-sim-${process.pid}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-hpa-'));

  beforeAll(async () => {
    c = await TestCluster.start(['replicaset', 'horizontalpodautoscaling'], { hpaSyncPeriodMs: 300 }, { metricsCacheMs: 0 });
    c.watch(HORIZONTAL_POD_AUTOSCALERS);
    const token = randomBytes(16).toString('hex');
    await c.client.create(SECRETS, nodeTokenSecret(token, node));
    agent = await startNodeAgent({ server: c.url, token, nodeName: node, podCidr: `127.${20 + (process.pid % 200)}.250.0/24`, dataDir, simulate: true, statsIntervalMs: 100, heartbeatMs: 500, logger: pino({ level: 'silent' }) });
  });
  afterAll(async () => {
    await agent?.close();
    await c?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const replicaSet = (name: string, replicas: number, cpu: string): KubeObject => ({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name }, annotations: { [SIMULATED_CPU_ANNOTATION]: cpu } },
        spec: { nodeName: node, containers: [{ name: 'main', image: 'web', resources: { requests: { cpu: '100m' } } }] },
      },
    },
  });
  const autoscaler = (name: string, target: { kind: string; name: string; apiVersion?: string }, maxReplicas: number, behavior?: HorizontalPodAutoscalerBehavior): KubeObject => ({
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name, namespace: 'default' },
    spec: {
      scaleTargetRef: { apiVersion: target.apiVersion ?? 'apps/v1', ...target },
      minReplicas: 1,
      maxReplicas,
      metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 100 } } }],
      ...(behavior ? { behavior } : {}),
    } as never,
  });
  const hpaOf = (name: string) => c.get(HORIZONTAL_POD_AUTOSCALERS, name) as HorizontalPodAutoscaler | undefined;
  const replicasOf = (name: string) => (c.get(REPLICASETS, name)?.spec as { replicas?: number } | undefined)?.replicas;
  const condition = (name: string, type: string) => hpaOf(name)?.status?.conditions?.find((x) => x.type === type);

  it('scales a ReplicaSet up from what its pods use, and reports why', async () => {
    const rs = await c.client.create(REPLICASETS, replicaSet('web', 1, '300m'));
    await c.until('the pod running', () => c.podsOf(rs.metadata.uid!).some((p) => (p.status as { phase?: string } | undefined)?.phase === 'Running'));
    await c.client.create(HORIZONTAL_POD_AUTOSCALERS, autoscaler('web', { kind: 'ReplicaSet', name: 'web' }, 3, { scaleDown: { stabilizationWindowSeconds: 0 } }));

    // 300 % of a 100 % target: 3 replicas, which is also the maximum.
    await c.until('3 replicas', () => replicasOf('web') === 3);
    await c.until('the SuccessfulRescale event', () => c.eventsFor('web', 'SuccessfulRescale').some((e) => e.message === 'New size: 3; reason: cpu resource utilization (percentage of request) above target'));
    await c.until('status with the measured utilization', () => hpaOf('web')?.status?.currentReplicas === 3 && hpaOf('web')?.status?.currentMetrics?.[0]?.resource?.current.averageUtilization === 300);
    const hpa = hpaOf('web')!;
    expect(hpa.status?.desiredReplicas).toBe(3);
    expect(hpa.status?.lastScaleTime).toBeDefined();
    expect(hpa.status?.currentMetrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 300, averageValue: '300m' } } }]);
    expect(condition('web', 'ScalingActive')).toMatchObject({ status: 'True', reason: 'ValidMetricFound', message: 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)' });
    // Once the new pods' samples count, they too are at 300 %: 9 wanted, held at the maximum.
    await c.until('ScalingLimited by the maximum', () => condition('web', 'ScalingLimited')?.reason === 'TooManyReplicas');
    expect(condition('web', 'ScalingLimited')?.status).toBe('True');
    expect(condition('web', 'AbleToScale')?.status).toBe('True');
  });

  it('converges after a change: the load drops and it scales down', async () => {
    const rs = c.get(REPLICASETS, 'web')!;
    for (const p of c.podsOf(rs.metadata.uid!)) await c.client.patch(PODS, 'default', p.metadata.name!, { metadata: { annotations: { [SIMULATED_CPU_ANNOTATION]: '10m' } } });
    // 10 % of the target on 3 pods: ceil(0.1 * 3) = 1 (no stabilization window in this HPA's behavior).
    await c.until('1 replica', () => replicasOf('web') === 1);
    await c.until('the SuccessfulRescale event', () => c.eventsFor('web', 'SuccessfulRescale').some((e) => e.message === 'New size: 1; reason: All metrics below target'));
    await c.until('status at 10 %', () => hpaOf('web')?.status?.currentReplicas === 1 && hpaOf('web')?.status?.currentMetrics?.[0]?.resource?.current.averageUtilization === 10);
  });

  it('a second reconcile changes nothing', async () => {
    const settled = await reconciles(c, CONTROLLER);
    await c.until('the pass after the rescale', async () => (await reconciles(c, CONTROLLER)) >= settled + 2);
    const before = await c.client.get(HORIZONTAL_POD_AUTOSCALERS, 'default', 'web');
    const rsBefore = await c.client.get(REPLICASETS, 'default', 'web');
    const rescales = c.eventsFor('web', 'SuccessfulRescale').length;
    const passes = await reconciles(c, CONTROLLER);
    await c.until('three more passes', async () => (await reconciles(c, CONTROLLER)) >= passes + 3);
    const after = await c.client.get(HORIZONTAL_POD_AUTOSCALERS, 'default', 'web');
    expect(after.status).toEqual(before.status);
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect((await c.client.get(REPLICASETS, 'default', 'web')).metadata.resourceVersion).toBe(rsBefore.metadata.resourceVersion);
    expect(c.eventsFor('web', 'SuccessfulRescale')).toHaveLength(rescales);
  });

  it('leaves objects it does not own alone', async () => {
    const other = await c.client.create(REPLICASETS, replicaSet('busy-other', 1, '900m'));
    await c.until('its pod running', () => c.podsOf(other.metadata.uid!).some((p) => (p.status as { phase?: string } | undefined)?.phase === 'Running'));
    const passes = await reconciles(c, CONTROLLER);
    await c.until('three more passes', async () => (await reconciles(c, CONTROLLER)) >= passes + 3);
    // No HPA targets it: however busy, its size is its own.
    expect(replicasOf('busy-other')).toBe(1);
    expect(replicasOf('web')).toBe(1);
  });

  it('a terminal error is not retried: a target without /scale, until the HPA is fixed', async () => {
    await c.client.create(HORIZONTAL_POD_AUTOSCALERS, autoscaler('cm', { apiVersion: 'v1', kind: 'ConfigMap', name: 'settings' }, 3));
    await c.until('AbleToScale False', () => condition('cm', 'AbleToScale')?.reason === 'FailedGetScale');
    expect(condition('cm', 'AbleToScale')).toMatchObject({ status: 'False', message: 'the HPA controller was unable to get the target\'s current scale: no matches for kind "ConfigMap" in group ""' });
    await c.until('a terminal result', async () => (await reconciles(c, CONTROLLER, 'terminal')) >= 1);
    const passes = await reconciles(c, CONTROLLER);
    await c.until('other HPAs keep being evaluated', async () => (await reconciles(c, CONTROLLER)) >= passes + 3);
    // Its own status write may bring it back once; it is never retried with backoff.
    expect(await reconciles(c, CONTROLLER, 'terminal')).toBeLessThanOrEqual(2);
    expect(await reconciles(c, CONTROLLER, 'error')).toBe(0);
    expect(c.eventsFor('cm', 'FailedGetScale').length).toBeLessThanOrEqual(2);

    // Pointing it at a ReplicaSet is a change: it is evaluated again and works.
    await c.client.patch(HORIZONTAL_POD_AUTOSCALERS, 'default', 'cm', { spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'busy-other' } } });
    await c.until('busy-other scaled to 3', () => replicasOf('busy-other') === 3);
    await c.until('AbleToScale True', () => condition('cm', 'AbleToScale')?.status === 'True');
  });
});
