import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlreadyExistsError, type KubeObject, type ResourceType } from '@skiff/apimachinery';
import { ApiClient, Informer, resourceType, ConditionWaiter } from '@skiff/kube-client';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { ADMIN_TOKEN, createBackend, startTestServer, type TestBackend } from '../../apiserver/test/harness.js';
import type { ApplicationSpec, ApplicationStatus } from '../src/applicationSpec.js';
import { APPLICATIONS, NAMESPACES } from '../src/resources.js';

const CONFIGMAPS = resourceType('configmaps');
const SERVICES = resourceType('services');
import { startGitWatcher, type GitWatcherOptions, type RunningGitWatcher } from '../src/index.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const EVENTS = resourceType('events');
export { APPLICATIONS, CONFIGMAPS, SERVICES };

export type Application = KubeObject & { spec: ApplicationSpec; status?: ApplicationStatus };

/**
 * A real API server on a fresh Postgres database and the git watcher on a unique BullMQ prefix,
 * with no node agents and no controller manager. `until` re-checks its condition on every change
 * the informers report (and every 50 ms for conditions outside the cluster), so tests wait for the
 * world with a deadline, never for a clock.
 */
export class GitWatcherCluster {
  client!: ApiClient;
  watcher: RunningGitWatcher | undefined;
  readonly prefix = `skiff-gw-test-${randomBytes(4).toString('hex')}`;
  readonly cacheDir = mkdtempSync(join(tmpdir(), 'skiff-gw-cache-'));
  private backend!: TestBackend;
  private server!: { url: string; close(): Promise<void> };
  private readonly informers = new Map<string, Informer>();
  private readonly conditions = new ConditionWaiter();

  static async start(opts: Partial<GitWatcherOptions> = {}): Promise<GitWatcherCluster> {
    const c = new GitWatcherCluster();
    c.backend = await createBackend('postgres');
    c.server = await startTestServer(c.backend);
    c.client = new ApiClient({ server: c.server.url, token: ADMIN_TOKEN });
    for (const t of [APPLICATIONS, CONFIGMAPS, SERVICES, EVENTS]) c.watch(t);
    await Promise.all([...c.informers.values()].map((i) => i.waitForSync()));
    c.watcherOpts = opts;
    c.watcher = await startGitWatcher(c.watcherOptions());
    return c;
  }

  /** The API server's URL (the admin token is ADMIN_TOKEN). */
  get url(): string {
    return this.server.url;
  }

  private watcherOpts: Partial<GitWatcherOptions> = {};

  private watcherOptions(): GitWatcherOptions {
    return { client: this.client, redisUrl: REDIS_URL, prefix: this.prefix, cacheDir: this.cacheDir, log: pino({ level: process.env.SKIFF_TEST_LOG ?? 'silent' }), ...this.watcherOpts };
  }

  /** Stops the git watcher and starts a new one on the same queue, as a crash and restart would. */
  async restartWatcher(): Promise<void> {
    await this.watcher?.stop();
    this.watcher = await startGitWatcher(this.watcherOptions());
  }

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

  async stop(): Promise<void> {
    await this.watcher?.stop();
    for (const i of this.informers.values()) i.stop();
    await this.server?.close();
    await this.backend?.dispose();
    rmSync(this.cacheDir, { recursive: true, force: true });
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${this.prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }

  /** Resolves once `test()` holds, re-checking on every change the informers see; rejects naming `what` after `ms`. */
  until(what: string, test: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
    return this.conditions.until(what, test, ms);
  }

  async namespace(name: string): Promise<void> {
    await this.client.create(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  }

  /**
   * A ServiceAccount of `namespace` bound to cluster-admin, as an admin makes one for an
   * Application that must write cluster-scoped objects (its `spec.serviceAccountName`).
   */
  async clusterAdminAccount(name = 'gitops-admin', namespace = 'default'): Promise<string> {
    const ignoreExists = (err: unknown) => {
      if (!(err instanceof AlreadyExistsError)) throw err;
    };
    await this.client.create(resourceType('serviceaccounts'), { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } }).catch(ignoreExists);
    await this.client
      .create(resourceType('clusterrolebindings', 'rbac.authorization.k8s.io'), {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: `${namespace}-${name}` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
        subjects: [{ kind: 'ServiceAccount', name, namespace }],
      } as KubeObject)
      .catch(ignoreExists);
    return name;
  }

  async createApp(name: string, spec: ApplicationSpec, namespace = 'default'): Promise<Application> {
    return (await this.client.create(APPLICATIONS, { apiVersion: 'skiff.dev/v1alpha1', kind: 'Application', metadata: { name, namespace }, spec } as KubeObject)) as Application;
  }

  /** The Application as the informer last saw it. */
  app(name: string, namespace = 'default'): Application | undefined {
    return this.watch(APPLICATIONS).get(`${namespace}/${name}`) as Application | undefined;
  }

  get(type: ResourceType, namespace: string, name: string): KubeObject | undefined {
    return this.watch(type).get(`${namespace}/${name}`);
  }

  /** Events about an Application (`involvedObject`), optionally of one reason. */
  eventsFor(app: string, reason?: string): KubeObject[] {
    return this.watch(EVENTS)
      .list()
      .filter((e) => (e.involvedObject as { kind?: string; name?: string }).kind === 'Application' && (e.involvedObject as { name?: string }).name === app && (!reason || e.reason === reason));
  }

  /** Synced at `sha` with the operation Succeeded and health as given. */
  syncedAt(name: string, sha: string, health = 'Healthy'): boolean {
    const s = this.app(name)?.status;
    return s?.sync?.status === 'Synced' && s.sync.revision === sha && s.operationState?.phase === 'Succeeded' && s.operationState.revision === sha && s.health?.status === health;
  }

  /**
   * Annotates the Application and waits for a pass after that: the passes its own sync set off
   * are over, so what wakes it next is what the test does.
   */
  async touch(name: string, namespace = 'default'): Promise<KubeObject> {
    const runs = await this.reconciles();
    const touched = await this.client.patch(APPLICATIONS, namespace, name, { metadata: { annotations: { 'test/touch': randomBytes(4).toString('hex') } } });
    await this.until(`a pass of ${namespace}/${name} after a touch`, async () => (await this.reconciles()) > runs);
    return touched;
  }

  /** The runner's `skiff_reconcile_total` for the application controller and one result. */
  async reconciles(result: 'success' | 'error' | 'terminal' = 'success'): Promise<number> {
    const metric = this.watcher?.registry.getSingleMetric('skiff_reconcile_total');
    if (!metric) return 0;
    const { values } = await metric.get();
    return values.find((v) => v.labels.controller === 'application' && v.labels.result === result)?.value ?? 0;
  }
}
