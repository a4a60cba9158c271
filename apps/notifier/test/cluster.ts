import { randomBytes, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import type { KubeObject } from '@skiff/apimachinery';
import { ApiClient, resourceType } from '@skiff/kube-client';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { ADMIN_TOKEN, createBackend, startTestServer, type TestBackend } from '../../apiserver/test/harness.js';
import { startNotifier, type NotifierOptions, type RunningNotifier, type WebhookStatus } from '../src/index.js';
import { EVENTS, SECRETS, WEBHOOKS } from '../src/resources.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface RecordOptions {
  namespace?: string;
  revision?: string;
  warning?: boolean;
  rolloutProgress?: string;
}

/**
 * A real API server on a fresh Postgres database and a notifier on a unique BullMQ prefix. The
 * test plays the git watcher and the node lifecycle controller: it records Events with the
 * annotations they put on them. Everything the notifier logs is kept in `logs`.
 */
export class NotifierCluster {
  client!: ApiClient;
  notifier: RunningNotifier | undefined;
  registry = new Registry();
  logs = '';
  readonly prefix = `skiff-notifier-test-${randomBytes(4).toString('hex')}`;
  private backend!: TestBackend;
  private server!: { url: string; close(): Promise<void> };
  private readonly notifierOpts: Partial<NotifierOptions>;

  private constructor(opts: Partial<NotifierOptions>) {
    this.notifierOpts = opts;
  }

  static async start(opts: Partial<NotifierOptions> = {}): Promise<NotifierCluster> {
    const c = new NotifierCluster(opts);
    c.backend = await createBackend('postgres');
    c.server = await startTestServer(c.backend);
    c.client = new ApiClient({ server: c.server.url, token: ADMIN_TOKEN });
    await c.startNotifier();
    return c;
  }

  async startNotifier(): Promise<void> {
    const sink = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        this.logs += chunk.toString('utf8');
        if (process.env.SKIFF_TEST_LOG) process.stderr.write(chunk);
        cb();
      },
    });
    this.registry = new Registry();
    this.notifier = await startNotifier({
      client: this.client,
      redisUrl: REDIS_URL,
      prefix: this.prefix,
      log: pino({ level: 'debug' }, sink),
      registry: this.registry,
      resyncMs: 1000,
      retryBaseMs: 100,
      retryMaxMs: 500,
      ...this.notifierOpts,
    });
  }

  async stopNotifier(): Promise<void> {
    await this.notifier?.stop();
    this.notifier = undefined;
  }

  async flushRedis(): Promise<void> {
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${this.prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }

  async stop(): Promise<void> {
    await this.stopNotifier();
    await this.server?.close();
    await this.backend?.dispose();
    await this.flushRedis();
  }

  async namespace(name: string): Promise<void> {
    await this.client.create(resourceType('namespaces'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }

  async secret(name: string, data: Record<string, string>, namespace = 'default'): Promise<void> {
    const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
    await this.client.create(SECRETS, { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type: 'Opaque', data: encoded });
  }

  async webhook(name: string, spec: Record<string, unknown>, namespace = 'default'): Promise<KubeObject> {
    return this.client.create(WEBHOOKS, { apiVersion: 'skiff.dev/v1alpha1', kind: 'Webhook', metadata: { name, namespace }, spec });
  }

  async webhookStatus(name: string, namespace = 'default'): Promise<WebhookStatus> {
    return ((await this.client.get(WEBHOOKS, namespace, name)).status ?? {}) as WebhookStatus;
  }

  /** Records an Event about an Application the way the git watcher's `notify` does. */
  async recordAppEvent(app: string, type: string, opts: RecordOptions = {}): Promise<KubeObject> {
    const namespace = opts.namespace ?? 'default';
    const annotations: Record<string, string> = { 'skiff.dev/event': type, 'skiff.dev/application': `${namespace}/${app}` };
    if (opts.revision) {
      annotations['skiff.dev/revision'] = opts.revision;
      annotations['skiff.dev/commit-message'] = `change for ${type}`;
      annotations['skiff.dev/commit-author'] = 'Dev <dev@example.com>';
    }
    if (opts.rolloutProgress) annotations['skiff.dev/rollout-progress'] = opts.rolloutProgress;
    return this.recordEvent(namespace, annotations, { apiVersion: 'skiff.dev/v1alpha1', kind: 'Application', name: app, namespace, uid: appUid(namespace, app) }, opts.warning ? 'Warning' : 'Normal', reasonOf(type), `${type} of ${app}`, 'git-watcher');
  }

  /** Records node.notready the way the node lifecycle controller does: in `default`, about the Node. */
  async recordNodeNotReady(node: string): Promise<KubeObject> {
    return this.recordEvent('default', { 'skiff.dev/event': 'node.notready' }, { apiVersion: 'v1', kind: 'Node', name: node, uid: randomUUID() }, 'Normal', 'NodeNotReady', `Node ${node} status is now: NodeNotReady`, 'node-controller');
  }

  private async recordEvent(namespace: string, annotations: Record<string, string>, involvedObject: Record<string, string>, type: string, reason: string, message: string, component: string): Promise<KubeObject> {
    const at = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    return this.client.create(EVENTS, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${involvedObject.name}.${randomBytes(8).toString('hex')}`, namespace, annotations },
      involvedObject,
      reason,
      message,
      type,
      source: { component },
      reportingComponent: component,
      reportingInstance: component,
      firstTimestamp: at,
      lastTimestamp: at,
      count: 1,
    });
  }
}

const appUids = new Map<string, string>();
function appUid(namespace: string, name: string): string {
  const key = `${namespace}/${name}`;
  if (!appUids.has(key)) appUids.set(key, randomUUID());
  return appUids.get(key)!;
}

function reasonOf(type: string): string {
  return ({ 'sync.succeeded': 'Synced', 'sync.failed': 'SyncFailed', 'drift.corrected': 'DriftCorrected' } as Record<string, string>)[type] ?? type;
}

/** Resolves once `test()` holds, checking every 50 ms. */
export async function until(what: string, test: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await test()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
