import { randomBytes } from 'node:crypto';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer } from 'node:net';
import { pino, type Logger } from 'pino';
import { openStore, type PgConnectionOptions, type Store } from '@skiff/store';
import { DEFAULT_EVENT_TTL_MS, startEventExpiry } from './eventExpiry.js';
import type { FlowControlOptions } from './flowControl.js';
import { encryptingStore } from './encryption/encryptingStore.js';
import type { ResourceEncryption } from './encryption/encryptionConfig.js';
import { anyOf, staticTokens, type Authenticator, type Principal } from './auth.js';
import { secretTokenAuthenticator } from './tokenSecrets.js';
import { serviceAccountTokenAuthenticator } from './serviceAccountAuthenticator.js';
import { ServiceAccountTokenKeys, type ServiceAccountTokenOptions } from './serviceAccountTokens.js';
import { ensureDefaultIngressClass, ensureSystemNamespaces } from './bootstrap.js';
import { ensureDefaultStorageClass } from './bootstrap.js';
import { reconcileKubernetesService } from './kubernetesService.js';
import type { AuditLogOptions } from './audit/auditLog.js';
import { buildServer, startShared } from './server.js';
import { prepareStatusPage } from './statusPageAssets.js';
import { currentVersionInfo } from './versionInfo.js';
import type { PodSecurityLevel } from './admission/podSecurity/podSecurityChecks.js';

export { staticTokens, type Authenticator, type Principal } from './auth.js';
export { ServiceAccountTokenKeys, type ServiceAccountTokenOptions } from './serviceAccountTokens.js';
export { buildServer } from './server.js';
export { parseResourcePath } from './paths.js';
export { isPodSecurityLevel } from './admission/podSecurity/podSecurityPolicy.js';
export type { PodSecurityLevel } from './admission/podSecurity/podSecurityChecks.js';
export { parseEncryptionConfig, type ResourceEncryption } from './encryption/encryptionConfig.js';

export interface ApiServerOptions {
  /** An already opened store; otherwise one is opened from databaseUrl / dataDir. */
  store?: Store;
  /** Encryption at rest (kube-apiserver's --encryption-provider-config), from parseEncryptionConfig. */
  encryption?: ResourceEncryption[];
  databaseUrl?: string;
  /** Timeouts and health checks of the Postgres connections (SKIFF_PG_*_MS in main.ts). */
  postgres?: Partial<PgConnectionOptions>;
  dataDir?: string;
  /** A new embedded database in dataDir starts as a copy of this one (see OpenStoreOptions). */
  pgliteTemplate?: string;
  host?: string;
  port?: number;
  tokens?: Record<string, Principal>;
  authenticator?: Authenticator;
  logger?: Logger;
  bookmarkIntervalMs?: number;
  /** Serve lists, GETs at resourceVersion 0 and recent watches from the watch cache (default true). */
  watchCache?: boolean;
  /** Changes each resource's watch cache keeps for older reads and watches (default 10,000). */
  watchCacheEvents?: number;
  compactKeepMs?: number;
  compactIntervalMs?: number;
  /** Serve HTTPS with this certificate and key (PEM). */
  /** Serve HTTPS; with `clientCa`, client certificates it signed authenticate their subject (CN user, O groups). */
  tls?: { cert: string; key: string; clientCa?: string };
  /** Delete Terminating namespaces' contents here, for an API server that runs without a controller manager. */
  namespaceFinalizer?: boolean;
  /** Where Services' cluster IPs come from (default SERVICE_CIDR, 127.224.0.0/12). */
  serviceClusterIpRange?: string;
  /** PodSecurity's enforce level for namespaces without an enforce label (default baseline). */
  podSecurityDefaultEnforce?: PodSecurityLevel;
  /** The shared secret git hosts sign `POST /hooks/git` deliveries with; unset refuses them all. */
  gitWebhookSecret?: string;
  /** Build the status page at start-up when it is missing or stale (default true). */
  buildStatusPage?: boolean;
  /** How often `/status/stream` sends a heartbeat comment (default 15 s). */
  statusHeartbeatMs?: number;
  /** How long metrics.k8s.io reuses a node agent's usage summary (default 5 s). */
  metricsCacheMs?: number;
  /**
   * The address pods reach the API server on (kube-apiserver's --advertise-address): the server
   * listens there too, and the `kubernetes` Service in `default` points at it. Unset, the Service
   * points at the address the server listens on.
   */
  advertiseAddress?: string;
  /** Seats per priority level and queueing (API Priority and Fairness; kube-apiserver's in-flight limits). */
  flowControl?: FlowControlOptions;
  /** kube-apiserver's --request-timeout (default 60 s). */
  requestTimeoutMs?: number;
  /** Watches one user may hold open (default 1000), and when a watch whose client does not read is closed (16 MiB unsent for 10 s). */
  maxWatchesPerUser?: number;
  maxWatchBacklogBytes?: number;
  watchBacklogGraceMs?: number;
  /** How long an Event lives after its last write (kube-apiserver's --event-ttl; default 1 h; 0 keeps them). */
  eventTtlMs?: number;
  /** `--audit-log-path`, `--audit-log-maxsize`, `--audit-log-maxbackup`: see `audit/auditLog.ts`. */
  audit?: AuditLogOptions;
  /** Signing and verification keys, issuer and audiences of ServiceAccount tokens (kube-apiserver's --service-account-* flags). */
  serviceAccount?: ServiceAccountTokenOptions;
  /**
   * Run ServiceAccount admission: pods get `spec.serviceAccountName` and the projected
   * `kube-api-access-*` token volume. Off by default here (an API server started alone has no
   * root CA publisher and no node agent to fill the volume); the apiserver process turns it on.
   */
  serviceAccountAdmission?: boolean;
}

export interface RunningApiServer {
  url: string;
  port: number;
  store: Store;
  close(): Promise<void>;
}

export async function startApiServer(opts: ApiServerOptions): Promise<RunningApiServer> {
  const logger = opts.logger ?? pino({ name: 'apiserver' });
  // Neither needs the database: the checkout's git state and the status page's build are read
  // while it opens (git's two child processes and the page's module, 0.1-0.5 s before).
  const versionRead = currentVersionInfo();
  const statusPageReady = prepareStatusPage(logger, opts.buildStatusPage ?? true);
  // Awaited below; a failed open meanwhile must not leave it an unhandled rejection.
  versionRead.catch(() => {});
  const ownStore = !opts.store;
  const opened =
    opts.store ??
    (await openStore({
      databaseUrl: opts.databaseUrl,
      postgres: opts.postgres,
      dataDir: opts.dataDir,
      pgliteTemplate: opts.pgliteTemplate,
      compactKeepMs: opts.compactKeepMs,
      compactIntervalMs: opts.compactIntervalMs,
      logger: { info: (o: unknown, m?: string) => logger.info(o as object, m), warn: (o: unknown, m?: string) => logger.warn(o as object, m), error: (o: unknown, m?: string) => logger.error(o as object, m) } as never,
    }));
  const store = opts.encryption ? encryptingStore(opened, opts.encryption) : opened;
  await ensureSystemNamespaces(store);
  await ensureDefaultIngressClass(store);
  await ensureDefaultStorageClass(store);
  // The server's own requests to itself (the kubernetes Service) carry a token that lives only here.
  const selfToken = randomBytes(32).toString('base64url');
  const self = staticTokens({ [selfToken]: { name: 'system:apiserver', groups: ['system:masters'] } });
  const serviceAccountTokens = new ServiceAccountTokenKeys(opts.serviceAccount);
  const shared = await startShared(store, logger);
  const authenticator = anyOf(
    self,
    opts.authenticator ?? anyOf(staticTokens(opts.tokens ?? {}), secretTokenAuthenticator(shared.caches.tokenSecrets)),
    serviceAccountTokenAuthenticator(serviceAccountTokens, store),
  );
  const statusPageDir = await statusPageReady;
  const { app } = await buildServer({
    store, authenticator, logger, bookmarkIntervalMs: opts.bookmarkIntervalMs, tls: opts.tls, namespaceFinalizer: opts.namespaceFinalizer,
    serviceClusterIpRange: opts.serviceClusterIpRange, podSecurityDefaultEnforce: opts.podSecurityDefaultEnforce, gitWebhookSecret: opts.gitWebhookSecret, flowControl: opts.flowControl, requestTimeoutMs: opts.requestTimeoutMs, maxWatchesPerUser: opts.maxWatchesPerUser, maxWatchBacklogBytes: opts.maxWatchBacklogBytes, watchBacklogGraceMs: opts.watchBacklogGraceMs, statusPageDir, statusHeartbeatMs: opts.statusHeartbeatMs, metricsCacheMs: opts.metricsCacheMs, audit: opts.audit,
    serviceAccountTokens, serviceAccountAdmission: opts.serviceAccountAdmission, watchCache: opts.watchCache, watchCacheEvents: opts.watchCacheEvents, shared, version: await versionRead,
  });
  await app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 6443 });
  const eventTtlMs = opts.eventTtlMs ?? DEFAULT_EVENT_TTL_MS;
  const stopEventExpiry = eventTtlMs > 0 ? startEventExpiry(store, { ttlMs: eventTtlMs, log: logger }) : () => {};
  const port = (app.server.address() as AddressInfo).port;
  const host = opts.host && opts.host !== '0.0.0.0' ? opts.host : '127.0.0.1';
  let advertised: NetServer | undefined;
  if (opts.advertiseAddress) {
    // A second listening socket for the same server: its connections are handed to the HTTPS
    // server as if they had arrived on the first.
    const extra = createNetServer((socket) => app.server.emit('connection', socket));
    if (opts.advertiseAddress !== host && opts.host !== '0.0.0.0') {
      await new Promise<void>((resolve, reject) => {
        extra.once('error', reject);
        extra.listen({ host: opts.advertiseAddress, port }, () => resolve());
      });
      advertised = extra;
    }
  }
  // Without an advertised address the Endpoints name the address the server listens on, so the
  // Service exists from the first start, as kube-apiserver's (which picks a host address) does.
  await reconcileKubernetesService(app, selfToken, { serviceCidr: opts.serviceClusterIpRange, advertiseAddress: opts.advertiseAddress ?? host, port, log: logger });
  return {
    url: `${opts.tls ? 'https' : 'http'}://${host}:${port}`,
    port,
    store,
    close: async () => {
      stopEventExpiry();
      advertised?.close();
      await app.close();
      if (ownStore) await store.close();
    },
  };
}
