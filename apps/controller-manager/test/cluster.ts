import { randomBytes } from 'node:crypto';
import type { KubeObject, ResourceType } from '@skiff/apimachinery';
import { ApiClient, Informer, ConditionWaiter } from '@skiff/kube-client';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { ADMIN_TOKEN, createBackend, startTestServer, type TestBackend } from '../../apiserver/test/harness.js';
import { DEPLOYMENTS, EVENTS, NAMESPACES, NODES, PODS, REPLICASETS } from '../src/resources.js';
import { startControllerManager, type ControllerManagerOptions, type RunningControllerManager } from '../src/index.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

type Status = { phase?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[] } & Record<string, unknown>;

/**
 * A real API server on a fresh Postgres database, a controller manager running the controllers a
 * test names on a unique BullMQ prefix, and informers the test waits on: `until` re-checks its
 * condition on every change the cluster reports, so tests wait for the world, never for a clock.
 * There are no node agents: a test plays the kubelet with `setPodReady`.
 */
export class TestCluster {
  client!: ApiClient;
  cm: RunningControllerManager | undefined;
  readonly prefix = `skiff-cm-test-${randomBytes(4).toString('hex')}`;
  private backend!: TestBackend;
  private server!: { url: string; close(): Promise<void> };
  private readonly informers = new Map<string, Informer>();
  private readonly conditions = new ConditionWaiter();
  private cmOpts: Partial<ControllerManagerOptions> = {};

  static async start(controllers: string[], opts: Partial<ControllerManagerOptions> = {}, serverOpts: Parameters<typeof startTestServer>[1] = {}): Promise<TestCluster> {
    const c = new TestCluster();
    c.backend = await createBackend('postgres');
    c.server = await startTestServer(c.backend, serverOpts);
    c.client = new ApiClient({ server: c.server.url, token: ADMIN_TOKEN });
    for (const t of [PODS, REPLICASETS, DEPLOYMENTS, EVENTS, NODES, NAMESPACES]) c.watch(t);
    await Promise.all([...c.informers.values()].map((i) => i.waitForSync()));
    c.cmOpts = { controllers, ...opts };
    await c.startControllers();
    return c;
  }

  /** The API server's URL (for node agents a test starts). */
  get url(): string {
    return this.server.url;
  }

  /** Informer on another kind, for tests that wait on it. */
  watch(type: ResourceType): Informer {
    const id = `${type.group}/${type.resource}`;
    let inf = this.informers.get(id);
    if (!inf) {
      const wake = () => {
        this.conditions.wake();
      };
      inf = new Informer(this.client, type, { onAdd: wake, onUpdate: wake, onDelete: wake });
      inf.start();
      this.informers.set(id, inf);
    }
    return inf;
  }

  async startControllers(): Promise<void> {
    this.cm = await startControllerManager({ client: this.client, redisUrl: REDIS_URL, prefix: this.prefix, log: pino({ level: process.env.SKIFF_TEST_LOG ?? 'silent' }), ...this.cmOpts });
  }

  async stopControllers(): Promise<void> {
    await this.cm?.stop();
    this.cm = undefined;
  }

  async stop(): Promise<void> {
    await this.stopControllers();
    for (const i of this.informers.values()) i.stop();
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

  list(type: ResourceType, namespace = 'default'): KubeObject[] {
    return this.watch(type).list().filter((o) => !type.namespaced || o.metadata.namespace === namespace);
  }

  get(type: ResourceType, name: string, namespace = 'default'): KubeObject | undefined {
    return this.watch(type).get(type.namespaced ? `${namespace}/${name}` : name);
  }

  /** Pods controlled by the owner with this uid. */
  podsOf(ownerUid: string): KubeObject[] {
    return this.list(PODS).filter((p) => p.metadata.ownerReferences?.some((r) => r.uid === ownerUid && r.controller));
  }

  eventsFor(name: string, reason?: string): KubeObject[] {
    return this.watch(EVENTS).list().filter((e) => (e.involvedObject as { name?: string }).name === name && (!reason || e.reason === reason));
  }

  /** Plays the kubelet: the pod runs on `node` and is Ready (or not). */
  async setPodReady(pod: KubeObject, ready = true, node = 'node-1'): Promise<void> {
    const name = pod.metadata.name!;
    const ns = pod.metadata.namespace!;
    const current = await this.client.get(PODS, ns, name);
    if (!(current.spec as { nodeName?: string }).nodeName) {
      await this.client.request('POST', this.client.path(PODS, ns, name, 'binding'), { apiVersion: 'v1', kind: 'Binding', metadata: { name, namespace: ns }, target: { apiVersion: 'v1', kind: 'Node', name: node } });
    }
    const at = new Date(Date.now() - 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const status: Status = {
      phase: 'Running',
      podIP: (current.status as { podIP?: string } | undefined)?.podIP ?? '127.0.0.9',
      conditions: [
        { type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: at } as never,
        { type: 'ContainersReady', status: ready ? 'True' : 'False', lastTransitionTime: at } as never,
        { type: 'PodScheduled', status: 'True' },
      ],
    };
    await this.client.patch(PODS, ns, name, { status }, 'merge', { subresource: 'status' });
  }

  async setAllPodsReady(ownerUid: string): Promise<void> {
    for (const p of this.podsOf(ownerUid)) {
      if (p.metadata.deletionTimestamp) continue;
      const ready = (p.status as Status | undefined)?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      if (!ready) await this.setPodReady(p);
    }
  }
}
