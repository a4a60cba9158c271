import { randomBytes } from 'node:crypto';
import type { KubeObject } from '@skiff/apimachinery';
import { ApiClient, Informer, resourceType, ConditionWaiter } from '@skiff/kube-client';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { ADMIN_TOKEN, createBackend, startTestServer, type TestBackend } from '../../apiserver/test/harness.js';
import { startScheduler, type RunningScheduler, type SchedulerOptions } from '../src/index.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const PODS = resourceType('pods');
export const NODES = resourceType('nodes');
export const EVENTS = resourceType('events');

export interface NodeSpec {
  cpu?: string;
  memory?: string;
  pods?: number;
  labels?: Record<string, string>;
  taints?: { key: string; value?: string; effect: string }[];
}

/**
 * A real API server on a fresh Postgres database, a scheduler on a unique BullMQ prefix, and
 * informers the test waits on: `until` re-checks its condition on every pod, node or event the
 * cluster reports, so tests wait for the world to change, never for a clock.
 */
export class TestCluster {
  client!: ApiClient;
  scheduler!: RunningScheduler;
  private backend!: TestBackend;
  private server!: { url: string; close(): Promise<void> };
  private readonly prefix = `skiff-sched-test-${randomBytes(4).toString('hex')}`;
  private readonly informers: Informer[] = [];
  private readonly conditions = new ConditionWaiter(25);
  pods!: Informer;
  events!: Informer;

  /**
   * `schedulerUser`: the scheduler authenticates as this user, not as an admin, with what
   * `beforeScheduler` grants it (run with an admin client before the scheduler starts).
   */
  static async start(opts: Partial<SchedulerOptions> & { schedulerUser?: string; beforeScheduler?: (admin: ApiClient) => Promise<void> } = {}): Promise<TestCluster> {
    const { schedulerUser, beforeScheduler, ...schedulerOpts } = opts;
    const c = new TestCluster();
    c.backend = await createBackend('postgres');
    const schedulerToken = `scheduler-${randomBytes(8).toString('hex')}`;
    c.server = await startTestServer(c.backend, schedulerUser ? { tokens: { [ADMIN_TOKEN]: { name: 'admin', groups: ['system:masters'] }, [schedulerToken]: { name: schedulerUser, groups: [] } } } : {});
    c.client = new ApiClient({ server: c.server.url, token: ADMIN_TOKEN });
    const wake = () => {
      c.conditions.wake();
    };
    const handlers = { onAdd: wake, onUpdate: wake, onDelete: wake };
    c.pods = new Informer(c.client, PODS, handlers);
    c.events = new Informer(c.client, EVENTS, handlers);
    c.informers.push(c.pods, c.events);
    for (const i of c.informers) i.start();
    await Promise.all(c.informers.map((i) => i.waitForSync()));
    await beforeScheduler?.(c.client);
    const client = schedulerUser ? new ApiClient({ server: c.server.url, token: schedulerToken }) : c.client;
    c.scheduler = await startScheduler({ client, redisUrl: REDIS_URL, prefix: c.prefix, log: pino({ level: process.env.SKIFF_TEST_LOG ?? 'silent' }), ...schedulerOpts });
    return c;
  }

  async stop(): Promise<void> {
    await this.scheduler?.stop();
    for (const i of this.informers) i.stop();
    await this.server?.close();
    await this.backend?.dispose();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${this.prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }

  /** Resolves once `test()` holds, re-checking on every change the informers see; rejects naming `what` after `ms`. */
  until(what: string, test: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
    return this.conditions.until(what, test, ms);
  }

  pod(name: string, namespace = 'default'): KubeObject | undefined {
    return this.pods.get(`${namespace}/${name}`);
  }

  nodeNameOf(name: string): string | undefined {
    return (this.pod(name)?.spec as { nodeName?: string } | undefined)?.nodeName;
  }

  podScheduled(name: string): { status: string; reason?: string; message?: string } | undefined {
    const conditions = (this.pod(name)?.status as { conditions?: { type: string; status: string; reason?: string; message?: string }[] } | undefined)?.conditions;
    return conditions?.find((c) => c.type === 'PodScheduled');
  }

  eventsFor(name: string, reason?: string): KubeObject[] {
    return this.events.list().filter((e) => (e.involvedObject as { name?: string }).name === name && (!reason || e.reason === reason));
  }

  /** A Node as an agent would register it: Ready, with allocatable, through the status subresource. */
  async createNode(name: string, spec: NodeSpec = {}): Promise<void> {
    await this.client.create(NODES, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, labels: { 'kubernetes.io/hostname': name, ...spec.labels } },
      spec: spec.taints ? { taints: spec.taints } : {},
    });
    const resources = { cpu: spec.cpu ?? '2', memory: spec.memory ?? '4Gi', pods: String(spec.pods ?? 110) };
    await this.client.patch(
      NODES,
      undefined,
      name,
      { status: { capacity: resources, allocatable: resources, conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ready' }] } },
      'merge',
      { subresource: 'status' },
    );
  }

  async createPod(name: string, opts: { cpu?: string; memory?: string; ownerUid?: string; spec?: Record<string, unknown> } = {}): Promise<KubeObject> {
    const requests: Record<string, string> = {};
    if (opts.cpu) requests.cpu = opts.cpu;
    if (opts.memory) requests.memory = opts.memory;
    return this.client.create(PODS, {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: 'default',
        ...(opts.ownerUid ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: opts.ownerUid, controller: true }] } : {}),
      },
      spec: {
        containers: [{ name: 'main', image: 'busybox:1', command: ['sleep', '1000'], ...(Object.keys(requests).length ? { resources: { requests } } : {}) }],
        ...opts.spec,
      },
    });
  }

  /** Sum of a counter's values whose labels include `labels`. */
  async metric(name: string, labels: Record<string, string> = {}): Promise<number> {
    const m = this.scheduler.registry.getSingleMetric(name);
    if (!m) return 0;
    const { values } = await m.get();
    return values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((s, v) => s + v.value, 0);
  }
}
