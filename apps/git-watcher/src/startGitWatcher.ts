import { ControllerManager } from '@skiff/controller-runtime';
import { ApiDiscovery, clientFor, type ConnectionOptions } from '@skiff/kube-client';
import { pino, type Logger } from 'pino';
import { Histogram, Registry } from 'prom-client';
import { applicationController, type Transition } from './applicationController.js';
import { APPLICATION_FACES, faceOf } from './applicationFace.js';
import { applicationSetController, APPLICATION_SET_SOURCE } from './applicationSet/applicationSetController.js';
import { credentialLookup, DEFAULT_REPO_SECRETS_NAMESPACE } from './repoCredentials.js';
import { RepoSources } from './repoSources.js';
import { imageControllers } from './images/imageControllers.js';
import type { KubeObject } from '@skiff/apimachinery';
import type { FetchLimits, RepoCredentialEntry } from '@skiff/gitops';

/**
 * Every Application is looked at again this often besides the commits, changes and refresh
 * intervals that wake it (Argo CD's `timeout.reconciliation` default): with 1,000 Applications a
 * shorter period keeps the queue busy with passes that find nothing.
 */
const RESYNC_MS = 180_000;

export interface GitWatcherOptions extends ConnectionOptions {
  redisUrl: string;
  /** BullMQ key prefix: one per cluster (and per test run). */
  prefix: string;
  /** Clones of remote repositories (DATA_DIR/git-cache). */
  cacheDir: string;
  defaultRefreshMs?: number;
  /** Time and size limits of one fetch of a remote repository: a stalled or huge remote fails its Applications only. */
  fetchLimits?: Partial<FetchLimits>;
  /** Where Argo CD-style repository Secrets are read (`argocd` by default). */
  repoSecretsNamespace?: string;
  /** Credentials besides the Secrets' (SKIFF_GIT_USERNAME for SKIFF_GIT_HOST), tried after them. */
  extraCredentials?: RepoCredentialEntry[];
  log?: Logger;
  registry?: Registry;
  now?: () => Date;
  /** How often every key is reconciled again (180 s by default). */
  resyncMs?: number;
  onTransition?: (app: KubeObject, transition: Transition) => void;
}

export interface RunningGitWatcher {
  registry: Registry;
  stop(): Promise<void>;
}

/**
 * Starts the git watcher: the Application controller (for skiff.dev and argoproj.io
 * Applications) and the ApplicationSet controller on the shared runner, fed by Application
 * changes, by the objects Applications manage (self-heal, health) and by commits to local
 * repositories (chokidar on their refs).
 */
export async function startGitWatcher(opts: GitWatcherOptions): Promise<RunningGitWatcher> {
  const log = opts.log ?? pino({ level: 'info' });
  const client = clientFor(opts, 'skiff-git-watcher');
  const registry = opts.registry ?? new Registry();
  const manager = new ControllerManager({
    client,
    redisUrl: opts.redisUrl,
    prefix: opts.prefix,
    log,
    component: 'skiff-gitops',
    registry,
    now: opts.now,
    resyncMs: opts.resyncMs ?? RESYNC_MS,
  });
  const credentials = credentialLookup({ client, namespace: opts.repoSecretsNamespace ?? DEFAULT_REPO_SECRETS_NAMESPACE, env: opts.extraCredentials ?? [], log });
  const sources = new RepoSources({
    cacheDir: opts.cacheDir,
    log,
    defaultRefreshMs: opts.defaultRefreshMs,
    fetchLimits: opts.fetchLimits,
    credentials,
    onChange: (owners) => {
      for (const o of owners) {
        const ref = { namespace: o.namespace, name: o.name };
        if (o.face?.startsWith(APPLICATION_SET_SOURCE)) manager.enqueue('applicationset', ref);
        else manager.enqueue(faceOf({ face: o.face === 'argoproj.io' ? o.face : undefined }).controllerName, ref, { urgent: true });
      }
    },
  });
  const syncDuration = new Histogram({
    name: 'skiff_sync_duration_seconds',
    help: 'Time to validate and apply a new revision of an Application, by result',
    labelNames: ['result'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const discovery = new ApiDiscovery(client);
  // One controller per Application face (skiff.dev, argoproj.io): the same code, two kinds.
  for (const face of APPLICATION_FACES) manager.add(applicationController({ sources, onTransition: opts.onTransition, syncDuration, discovery, face }));
  manager.add(applicationSetController({ sources }));
  for (const controller of imageControllers({ credentials, fetchLimits: opts.fetchLimits })) manager.add(controller);
  try {
    await manager.start();
  } catch (err) {
    await manager.stop();
    await sources.close();
    throw err;
  }
  log.info({ prefix: opts.prefix }, 'git watcher started');
  return {
    registry,
    async stop() {
      await manager.stop();
      await sources.close();
    },
  };
}
