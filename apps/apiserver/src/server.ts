import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import {
  ApiError,
  BadRequestError,
  ForbiddenError,
  forbiddenMessage,
  MethodNotAllowedError,
  NotFoundError,
  parseFieldSelector,
  parseLabelSelector,
  parseGoDuration,
  ServerTimeoutError,
  TooManyRequestsError,
  RequestEntityTooLargeError,
  successStatus,
  toStatus,
  toTable,
  groupVersion,
  type KubeObject,
  type Kind,
  decodeProtobufObject,
  KindRegistry,
  POD,
} from '@skiff/apimachinery';
import type { Store } from '@skiff/store';
import type { Pod } from 'kubernetes-types/core/v1.js';
import type { Logger } from 'pino';
import { authenticate, type Authenticator, type Principal } from './auth.js';
import { FlowControl, flowOf, isLongRunning, type FlowControlOptions } from './flowControl.js';
import { authorize, authorizeAttributes, authorizeNodeReference, authorizeNodeTokenRequest, authorizePodAccess, authorizeVolumeAccess, nodeNameOf, type Verb } from './authorizer.js';
import { Rbac } from './rbac/rbac.js';
import { checkApplicationAccount } from './rbac/applicationAccount.js';
import { stampNotification } from './notificationEvents.js';
import { impersonate } from './rbac/impersonation.js';
import { REVIEW_GROUPS, reviewRoutes } from './rbac/reviews.js';
import { proxyPodLog } from './podLogs.js';
import { destroySocketsOnClose } from './destroySocketsOnClose.js';
import { podStreamUpgradeHandler, STREAM_SUBRESOURCES } from './podStreams.js';

import { keyOf } from './objects.js';
import { decodeBody, patchTypeOf, requireObject } from './body.js';
import type { PodSecurityLevel } from './admission/podSecurity/podSecurityChecks.js';
import { fieldValidationOf, validateObjectBody, validatePatchRequest, warningHeader, type FieldValidation, type Validated } from './fieldValidation.js';
import { apiGroup, apiGroupList, apiResourceList, coreVersions } from './discovery.js';
import { currentVersionInfo, type VersionInfo } from './versionInfo.js';
import { encodeJson, negotiate, serialize, wantsPretty, type Output } from './negotiate.js';
import { boolParam, int64Param, optionalBoolParam } from './queryParams.js';
import { OpenApiDocuments } from './openapi.js';
import { CustomResourceDefinitions } from './customResourceDefinitions.js';
import { parseResourcePath, type ResourcePath } from './paths.js';
import { Rest, type DeleteOptions, type ListPage } from './rest.js';
import { awaitResourceVersion, WatchHub } from './watch.js';
import { registerWatchCacheMetrics, WatchCache, type CachedListQuery } from './cache/watchCache.js';
import { encodeListJson, encodeObjectJson } from './cache/encodedObjects.js';
import { startServerCaches, type ServerCaches } from './objectCache.js';
import { ServiceAccountTokenKeys } from './serviceAccountTokens.js';
import { createToken, decodeTokenRequest } from './tokenRequest.js';
import { NamespaceFinalizer } from './namespaceFinalizer.js';
import { GIT_WEBHOOK_PATH, gitWebhookRoutes } from './gitWebhook.js';
import { ApiMetrics } from './metrics.js';
import { registerAuditLog, type AuditLogOptions } from './audit/auditLog.js';
import { METRICS_GROUP, METRICS_VERSION, MetricsProvider, metricsApiResourceList, NODE_METRICS, parseMetricsPath, POD_METRICS } from './metricsApi.js';
import { authenticateStatusRequest, isStatusPath, redactToken, STATUS_TOKEN_COOKIE } from './statusAccess.js';
import { statusPageRoutes } from './statusPageAssets.js';
import { serveStatusStream, StatusFeed, STATUS_STREAM_PATH } from './statusStream.js';

export interface ServerOptions {
  store: Store;
  authenticator: Authenticator;
  logger: Logger;
  /** Seats per priority level and queueing (API Priority and Fairness; kube-apiserver's in-flight limits). */
  flowControl?: FlowControlOptions;
  /** kube-apiserver's --request-timeout: a request that is not long-running gets a 504 after this long (default 60 s). */
  requestTimeoutMs?: number;
  /** Watches one user may hold open at once; more are a 429 (default 1000). */
  maxWatchesPerUser?: number;
  /** A watch whose client leaves this much unsent (bytes queued in the server) for `watchBacklogGraceMs` is closed, for the client to resume from its last resourceVersion (default 16 MiB for 10 s). */
  maxWatchBacklogBytes?: number;
  watchBacklogGraceMs?: number;
  /** Largest accepted request body, in bytes (Kubernetes uses 3 MiB). */
  bodyLimit?: number;
  /** How often a watch that asked for bookmarks gets one. */
  bookmarkIntervalMs?: number;
  /** Serve lists, GETs at resourceVersion 0 and recent watches from memory (default true; see cache/watchCache.ts). */
  watchCache?: boolean;
  /** Changes each resource's watch cache keeps for older reads and watches (default 10,000). */
  watchCacheEvents?: number;
  clock?: () => Date;
  /** How long a deleted namespace keeps its contents before they are deleted for it. */
  namespaceDeleteDelayMs?: number;
  /**
   * Delete Terminating namespaces' contents in the API server. Off by default: the controller
   * manager's namespace controller does it; only an API server running without one needs this.
   */
  namespaceFinalizer?: boolean;
  /** Serve HTTPS; with `clientCa`, client certificates it signed authenticate their subject (CN user, O groups). */
  tls?: { cert: string; key: string; clientCa?: string };
  /** Where Services' cluster IPs come from (default SERVICE_CIDR). */
  serviceClusterIpRange?: string;
  /** PodSecurity's enforce level for namespaces without an enforce label (default baseline). */
  podSecurityDefaultEnforce?: PodSecurityLevel;
  /** The shared secret `POST /hooks/git` verifies deliveries with; unset refuses them all. */
  gitWebhookSecret?: string;
  /** The built status page (apps/status-page/dist); unset, `/` answers 503 "not built". */
  statusPageDir?: string;
  /** How often `/status/stream` sends a heartbeat comment (default 15 s). */
  statusHeartbeatMs?: number;
  /** What `/version` answers (default: read from the checkout this process runs from). */
  version?: VersionInfo;
  /** How long metrics.k8s.io reuses a node agent's usage summary (default 5 s). */
  metricsCacheMs?: number;
  /** Write an audit log (`--audit-log-path`): one JSON line per request, level Metadata. */
  audit?: AuditLogOptions;
  /** What signs `serviceaccounts/token` requests (default: a key made here, good until the process ends). */
  serviceAccountTokens?: ServiceAccountTokenKeys;
  /** Run ServiceAccount admission: pods get their account's token volume (default off). */
  serviceAccountAdmission?: boolean;
  /** The change feed and caches, when the caller made them already (its authenticators read them); else made here. */
  shared?: { hub: WatchHub; caches: ServerCaches };
}

/** `/hooks/git` authenticates its callers (git hosts) by the webhook secret instead of a token. */
const PUBLIC_PATHS = new Set(['/healthz', '/readyz', '/livez', '/version', GIT_WEBHOOK_PATH]);
/** `/api/v1/<resource>...` or `/apis/<group>/<version>/<resource>...`: what is authorized as a resource request. */
const RESOURCE_PATH = /^\/(api\/[^/]+|apis\/[^/]+\/[^/]+)\/[^/]/;
declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    objectKey?: string;
    /** Labels of apiserver_request_* for a resource request (Kubernetes' verbs: LIST, WATCH, APPLY...). */
    metricVerb?: string;
    metricResource?: string;
  }
}

export async function buildServer(opts: ServerOptions): Promise<{ app: FastifyInstance; hub: WatchHub }> {
  const bodyLimit = opts.bodyLimit ?? 3 * 1024 * 1024;
  const clock = opts.clock ?? (() => new Date());
  const { hub, caches } = opts.shared ?? (await startShared(opts.store, opts.logger));
  // Every write goes through the caches' store, so they see it before its request answers.
  const store = caches.store;
  const watchCache = opts.watchCache === false ? undefined : new WatchCache({ store, hub, logger: opts.logger, windowEvents: opts.watchCacheEvents });
  const rest = new Rest(store, clock, {
    serviceClusterIpRange: opts.serviceClusterIpRange,
    podSecurityDefaultEnforce: opts.podSecurityDefaultEnforce,
    serviceAccountAdmission: opts.serviceAccountAdmission,
    caches,
    cachedObject: watchCache && ((type, namespace, name) => watchCache.latest(type, namespace, name)),
  });
  const rbac = await Rbac.start({ store, rest, hub, logger: opts.logger });
  const tokenKeys = opts.serviceAccountTokens ?? new ServiceAccountTokenKeys();
  // The kinds served right now: built-in ones, and those of the CRDs in the store.
  const kinds = new KindRegistry();
  const crds = new CustomResourceDefinitions({ store, rest, hub, kinds, logger: opts.logger, clock });
  await crds.start();
  const openapi = new OpenApiDocuments(kinds);
  const metrics = new ApiMetrics(() => hub.size + (watchCache?.watcherCount ?? 0));
  if (watchCache) registerWatchCacheMetrics(metrics.registry, watchCache);
  /** A list from the watch cache when it can answer, else from the store, which serves the newest state. */
  const listPage = async (path: ResourcePath, query: CachedListQuery): Promise<ListPage> => {
    const cached = await watchCache?.list(path.type, path.namespace, query);
    if (cached) return cached;
    // A list is served at the newest version, which must not be older than one asked for.
    if (query.resourceVersion && /^\d+$/.test(query.resourceVersion) && query.resourceVersion !== '0' && !query.continue) await awaitResourceVersion(store, query.resourceVersion);
    return rest.list(path, query);
  };
  const bookmarkIntervalMs = opts.bookmarkIntervalMs ?? 60_000;
  const namespaces = opts.namespaceFinalizer ? new NamespaceFinalizer(store, rest, kinds, opts.logger, opts.namespaceDeleteDelayMs) : undefined;
  namespaces?.start();

  const flowControl = new FlowControl({ ...opts.flowControl, onReject: (level, reason) => metrics.flowControlRejected.inc({ priority_level: level, reason }) });
  /** The node a pod is bound to, as the watch cache holds it (undefined when pods are not cached yet or it is unknown). */
  const podNodeName = (namespace: string, name: string): string | undefined => {
    try {
      return (watchCache?.getCached(POD, namespace, name)?.spec as { nodeName?: string } | undefined)?.nodeName;
    } catch {
      return undefined;
    }
  };
  /** What RBAC checks on the written object itself: no escalation, and an Application only as an account its author may act as. */
  const checkWrite = (principal: Principal, kind: Kind, obj: KubeObject) => {
    rbac.checkEscalation(principal, kind, obj);
    checkApplicationAccount(principal, kind, obj, rbac);
  };
  const statusFeed = new StatusFeed(
    store,
    hub,
    opts.logger,
    watchCache && {
      list: async (type) => (await watchCache.list(type, undefined, {})) ?? store.list({ group: type.group, resource: type.resource }),
      watch: (filter, from, sink) => watchCache.watch(filter, from, sink),
    },
  );
  const app = Fastify({ ...(opts.tls ? { https: httpsOptions(opts.tls) } : {}), loggerInstance: opts.logger, logController: new LogController({ disableRequestLogging: true }), bodyLimit, forceCloseConnections: true }) as unknown as FastifyInstance;
  destroySocketsOnClose(app);

  // exec, attach and port-forward arrive as HTTP upgrades (SPDY or WebSocket), outside the router.
  // First, so that a request the authentication hook refuses is recorded too.
  const audit = opts.audit ? registerAuditLog(app, opts.audit) : undefined;
  app.server.on('upgrade', podStreamUpgradeHandler({ store, authenticator: opts.authenticator, log: opts.logger, kinds, onSession: (sub, code) => metrics.observe('CONNECT', `pods/${sub}`, code), rbac, audit }));

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/vnd.kubernetes.protobuf', { parseAs: 'buffer', bodyLimit }, (_req, body, done) => done(null, body));
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, (_req, body, done) => done(null, body));

  app.addHook('onRequest', async (req, reply) => {
    const [pathname, search] = splitUrl(req.url);
    if (PUBLIC_PATHS.has(pathname)) return;
    if (isStatusPath(pathname)) {
      // Read-only status paths: loopback without a token, else any authenticated user.
      const queryToken = new URLSearchParams(search ?? '').get('token') ?? undefined;
      req.principal = await authenticateStatusRequest(opts.authenticator, { remoteAddress: req.socket.remoteAddress, authorization: req.headers.authorization, queryToken, cookie: req.headers.cookie });
      if (req.principal && queryToken && pathname === '/') {
        // A browser opening `/?token=...` cannot put the token on its asset and EventSource requests.
        void reply.header('set-cookie', `${STATUS_TOKEN_COOKIE}=${encodeURIComponent(queryToken)}; Path=/; HttpOnly; SameSite=Strict${opts.tls ? '; Secure' : ''}`);
      }
      return;
    }
    req.principal = impersonate(await authenticate(opts.authenticator, req.headers.authorization, req.raw.socket), req.raw, rbac);
    // Discovery, OpenAPI and /metrics are non-resource requests, authorized by path (nonResourceURLs).
    if (!RESOURCE_PATH.test(pathname)) authorizeAttributes(req.principal, { resourceRequest: false, verb: req.method.toLowerCase(), path: pathname }, rbac);
    // A seat at the request's priority level (or a 429): freed when the response is done or the client is gone.
    const query = search ? new URLSearchParams(search) : NO_QUERY;
    const longRunning = isLongRunning(pathname, query);
    const seat = await flowControl.admit(req.principal, longRunning, flowOf(req.principal, pathname, podNodeName));
    reply.raw.once('close', seat.release);
    if (!longRunning) startRequestTimeout(req, reply, requestTimeoutOf(query, opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS));
  });

  // Callback hooks, not async ones: neither waits for anything, and every request runs both.
  app.addHook('onResponse', (req, reply, done) => {
    metrics.observe(req.metricVerb ?? req.method, req.metricResource ?? '', reply.statusCode, reply.elapsedTime / 1000);
    // The git webhook logs its own line per delivery. The line is built only when it is written
    // (each request's logger is a child of this one, at its level).
    if (opts.logger.isLevelEnabled('info') && !req.url.startsWith('/healthz') && !req.url.startsWith('/readyz') && !req.url.startsWith(GIT_WEBHOOK_PATH)) {
      req.log.info(
        { method: req.method, url: redactToken(req.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10, user: req.principal?.name, key: req.objectKey },
        'request',
      );
    }
    done();
  });

  // kube-apiserver's JSON is `application/json`, without the charset Fastify adds to string bodies.
  app.addHook('onSend', (_req, reply, payload, done) => {
    if (reply.getHeader('content-type') === 'application/json; charset=utf-8') void reply.header('content-type', 'application/json');
    done(null, payload);
  });

  /** Answers 504 when the handler has not answered in time, as kube-apiserver's timeout filter does; the handler's own answer is then dropped. */
  const startRequestTimeout = (req: FastifyRequest, reply: FastifyReply, ms: number) => {
    const timer = setTimeout(() => {
      if (reply.sent || reply.raw.headersSent) return;
      const status = toStatus(new ServerTimeoutError('request did not complete within requested timeout - context deadline exceeded', 0));
      req.log.warn({ url: redactToken(req.url), ms, user: req.principal?.name }, 'request timed out');
      void reply.code(504).header('content-type', 'application/json').send(encodeJson(status, prettyOf(req)));
    }, ms);
    reply.raw.once('close', () => clearTimeout(timer));
  };

  app.setErrorHandler((err: unknown, req, reply) => {
    const e = err as { code?: string; statusCode?: number; message?: string };
    let apiErr: unknown = err;
    if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') apiErr = new RequestEntityTooLargeError(bodyLimit);
    else if (!(err instanceof ApiError) && e.statusCode && e.statusCode >= 400 && e.statusCode < 500) apiErr = new BadRequestError(e.message ?? 'bad request');
    const status = toStatus(apiErr);
    const code = status.code ?? 500;
    if ((code === 429 || code === 503) && status.details?.retryAfterSeconds) void reply.header('retry-after', String(status.details.retryAfterSeconds));
    if (code >= 500) req.log.error({ err, url: req.url }, 'request failed');
    void reply.code(code).header('content-type', 'application/json').send(encodeJson(status, prettyOf(req)));
  });

  // Paths outside every API group version get Go's plain 404, as from kube-apiserver's mux;
  // paths inside one (an unknown resource) reach the resource handler and get a Status.
  app.setNotFoundHandler((_req, reply) => {
    void reply.code(404).header('content-type', 'text/plain; charset=utf-8').header('x-content-type-options', 'nosniff').send('404 page not found\n');
  });

  const send = (reply: FastifyReply, req: FastifyRequest, value: unknown, code = 200) => {
    const { body, contentType } = serialize(value, negotiate(req.headers.accept, false), prettyOf(req));
    return reply.code(code).header('content-type', contentType).send(body);
  };

  // ---- unauthenticated health and version --------------------------------------------------
  app.get('/healthz', async () => 'ok');
  app.get('/livez', async () => 'ok');
  app.get('/readyz', async (_req, reply) => {
    await store.currentResourceVersion();
    return reply.send('ok');
  });
  const version = opts.version ?? (await currentVersionInfo());
  app.get('/version', async (req, reply) => send(reply, req, version));

  // ---- the status page, its live stream, metrics ---------------------------------------------
  await app.register(statusPageRoutes(opts.statusPageDir, () => statusFeed.warm()));
  app.get(STATUS_STREAM_PATH, async (req, reply) => {
    metrics.observe('WATCH', '', 200);
    return serveStatusStream(req, reply, statusFeed, { heartbeatMs: opts.statusHeartbeatMs, onOpen: () => metrics.streamOpened(), onClose: () => metrics.streamClosed() });
  });
  app.get('/metrics', async (_req, reply) => reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics()));

  // ---- metrics.k8s.io (metrics-server's API, served from the node agents' summaries) ---------
  const usage = new MetricsProvider({ store, list: (path, query) => rest.list(path, query), clock, log: opts.logger, cacheMs: opts.metricsCacheMs });
  app.get(`/apis/${METRICS_GROUP}`, async (req, reply) => send(reply, req, apiGroup(METRICS_GROUP, [METRICS_VERSION])));
  app.get(`/apis/${METRICS_GROUP}/${METRICS_VERSION}`, async (req, reply) => send(reply, req, metricsApiResourceList()));
  app.route({
    method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    url: `/apis/${METRICS_GROUP}/${METRICS_VERSION}/*`,
    handler: async (req, reply) => {
      const target = parseMetricsPath(req.url.split('?')[0]);
      if (!target) throw new NotFoundError({}, 'the server could not find the requested resource');
      const query = req.query as Record<string, string | undefined>;
      const verb: Verb = target.name ? 'get' : boolParam(query.watch) ? 'watch' : 'list';
      req.metricVerb = verb.toUpperCase();
      req.metricResource = target.resource;
      const type = target.resource === 'nodes' ? NODE_METRICS : POD_METRICS;
      authorize(req.principal!, { verb, path: { type: { ...type, subresources: [] } as unknown as Kind, namespace: target.namespace, name: target.name }, query }, rbac);
      if (req.method !== 'GET' || verb === 'watch') throw new MethodNotAllowedError();
      const listQuery = { labelSelector: query.labelSelector, fieldSelector: query.fieldSelector };
      if (target.resource === 'nodes') return send(reply, req, target.name ? await usage.getNode(target.name) : await usage.listNodes(listQuery));
      return send(reply, req, target.name ? await usage.getPod(target.namespace!, target.name) : await usage.listPods(target.namespace, listQuery));
    },
  });

  // ---- discovery ---------------------------------------------------------------------------
  app.get('/api', async (req, reply) => send(reply, req, coreVersions()));
  app.get('/apis', async (req, reply) => send(reply, req, apiGroupList(kinds, REVIEW_GROUPS)));
  await app.register(reviewRoutes(rbac));
  app.get('/api/v1', async (req, reply) => send(reply, req, apiResourceList(kinds, '', 'v1')));
  app.get<{ Params: { group: string } }>('/apis/:group', async (req, reply) => {
    const g = kinds.groups().find((x) => x.group === req.params.group);
    if (!g) return reply.callNotFound();
    return send(reply, req, apiGroup(g.group, g.versions));
  });
  app.get<{ Params: { group: string; version: string } }>('/apis/:group/:version', async (req, reply) => {
    if (!kinds.servesGroupVersion(req.params.group, req.params.version)) return reply.callNotFound();
    return send(reply, req, apiResourceList(kinds, req.params.group, req.params.version));
  });
  app.get('/openapi/v2', async (req, reply) => {
    const accept = req.headers.accept ?? '';
    if (accept && !/json|\*\/\*/.test(accept)) {
      return reply.code(406).header('content-type', 'application/json').send(encodeJson(toStatus(new ApiError(406, 'NotAcceptable', 'only application/json is served for /openapi/v2'))));
    }
    return send(reply, req, openapi.v2());
  });
  app.get('/openapi/v3', async (req, reply) => send(reply, req, openapi.v3Index()));
  app.get('/openapi/v3/*', async (req, reply) => {
    const doc = openapi.v3Document((req.params as { '*': string })['*']);
    if (!doc) throw new NotFoundError({}, 'the server could not find the requested resource');
    return reply.header('content-type', 'application/json').send(doc);
  });

  // ---- git host webhooks -------------------------------------------------------------------
  await app.register(gitWebhookRoutes({ rest, secret: opts.gitWebhookSecret, logger: opts.logger, clock, bodyLimit }));

  // ---- resources ---------------------------------------------------------------------------
  const handler = async (req: FastifyRequest, reply: FastifyReply) => {
    const pathname = req.url.split('?')[0];
    const path = parseResourcePath(pathname, kinds);
    if (!path) return reply.callNotFound();
    const query = req.query as Record<string, string | undefined>;
    if (path.name) req.objectKey = `${path.type.resource}/${path.namespace ? `${path.namespace}/` : ''}${path.name}`;
    const output = negotiate(req.headers.accept, !path.subresource);
    const fieldManager = query.fieldManager || defaultFieldManager(req.headers['user-agent']);
    const dryRun = query.dryRun === 'All';
    const pretty = prettyOf(req);
    const principal = req.principal!;
    const verb = verbOf(req.method, path.name, query);
    req.metricVerb = metricVerb(verb, req.headers['content-type']);
    req.metricResource = path.type.resource;
    authorize(principal, { verb, path, query }, rbac);
    // A verb the kind does not serve has no route in kube-apiserver (DELETE of the namespaces collection).
    if (!path.subresource && !path.type.verbs.includes(verb)) throw new MethodNotAllowedError();
    if (nodeNameOf(principal) !== undefined) {
      if (path.type.resource === 'pods' && path.name) authorizePodAccess(principal, await store.get(keyOf(path.type, path.namespace, path.name)));
      // The node's own pods from the watch cache's spec.nodeName index (a consistent read), not every pod of the namespace.
      await authorizeNodeReference(principal, path, async (namespace, node) => {
        const mine = await watchCache?.list(POD, namespace, { fieldSelector: `spec.nodeName=${node}` });
        return (mine ?? (await store.list({ group: '', resource: 'pods', namespace }))).items;
      });
      if (path.type.resource === 'persistentvolumes' && path.name && (req.method === 'PUT' || req.method === 'PATCH')) {
        authorizeVolumeAccess(principal, await store.get(keyOf(path.type, path.namespace, path.name)));
      }
      if (path.type.resource === 'nodes' && req.method === 'POST') {
        const body = requestObject(req);
        const target = { kind: 'nodes', name: body.metadata?.name };
        // NodeRestriction admission's words.
        if (target.name !== nodeNameOf(principal)) throw new ForbiddenError(forbiddenMessage(target, `node "${nodeNameOf(principal)}" is not allowed to modify node "${target.name ?? ''}"`), target);
      }
    }

    switch (req.method) {
      case 'GET': {
        if (path.name === undefined) {
          // ListOptions are decoded whole: a bad timeoutSeconds fails a list too.
          const limit = int64Param(query.limit);
          const timeoutSeconds = int64Param(query.timeoutSeconds);
          if (boolParam(query.watch)) return watch(req, reply, path, query, output, timeoutSeconds);
          const page = await listPage(path, { labelSelector: query.labelSelector, fieldSelector: query.fieldSelector, limit, continue: query.continue, resourceVersion: query.resourceVersion, resourceVersionMatch: query.resourceVersionMatch });
          return respondList(reply, path.type, page, output, query, pretty);
        }
        if (path.subresource === 'log') return proxyPodLog(store, path, query, reply);
        if (STREAM_SUBRESOURCES.has(path.subresource ?? '')) throw new BadRequestError('Upgrade request required');
        if (path.subresource === 'token') throw new MethodNotAllowedError();
        const cached = !path.subresource ? await watchCache?.get(path.type, path.namespace, path.name, query.resourceVersion) : undefined;
        return respondObject(reply, path.type, cached ?? (await rest.get(path)), output, 200, query, pretty);
      }
      case 'POST': {
        if (STREAM_SUBRESOURCES.has(path.subresource ?? '')) throw new BadRequestError('Upgrade request required');
        if (path.subresource === 'token') {
          const body = Buffer.isBuffer(req.body) ? decodeTokenRequest(req.body) : requestObject(req);
          const deps = { store, keys: tokenKeys, clock, authorizeBoundPod: (pod: Pod | undefined) => authorizeNodeTokenRequest(principal, pod) };
          return send(reply, req, await createToken(deps, path.namespace!, path.name!, body), 201);
        }
        const body = validatedRequestObject(req, path.type, fieldValidationOf(query.fieldValidation, 'CreateOptions'));
        if (!path.subresource) checkWrite(principal, path.type, inNamespace(body.value, path.namespace));
        const warnings = [...body.warnings];
        const created = await rest.create(path, stampNotification(principal, path.type, body.value), { dryRun, fieldManager, warnings });
        if (!dryRun) rbac.observe(path.type, created);
        return respondObject(withWarnings(reply, warnings), path.type, created, output, 201, query, pretty);
      }
      case 'PUT': {
        const body = validatedRequestObject(req, path.type, fieldValidationOf(query.fieldValidation, 'UpdateOptions'));
        if (!path.subresource) checkWrite(principal, path.type, inNamespace(body.value, path.namespace));
        const warnings = [...body.warnings];
        const updated = await rest.update(path, stampNotification(principal, path.type, body.value), { dryRun, fieldManager, warnings });
        if (!dryRun) rbac.observe(path.type, updated);
        return respondObject(withWarnings(reply, warnings), path.type, updated, output, 200, query, pretty);
      }
      case 'PATCH': {
        const patchType = patchTypeOf(req.headers['content-type'], path.type.strategicMergePatch !== false);
        const raw = req.body as string;
        const patch = decodeBody(raw, req.headers['content-type']);
        if (patchType === 'apply' && !query.fieldManager) throw new BadRequestError('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
        const validation = validatePatchRequest(raw, patchType, patch, path.type, fieldValidationOf(query.fieldValidation, 'PatchOptions'));
        // An apply that creates the object is checked as sent; every other patch as it would be stored.
        if (!path.subresource && patchType === 'apply') checkWrite(principal, path.type, inNamespace(patch as KubeObject, path.namespace));
        const admitPatched = path.subresource
          ? validation.admitPatched
          : (obj: KubeObject) => {
              const admitted = validation.admitPatched ? validation.admitPatched(obj) : obj;
              checkWrite(principal, path.type, admitted);
              return stampNotification(principal, path.type, admitted);
            };
        const admissionWarnings: string[] = [];
        const patched = await rest.patch(path, patchType, patch, { dryRun, fieldManager, force: boolParam(query.force), admitPatched, warnings: admissionWarnings });
        if (!dryRun) rbac.observe(path.type, patched.object);
        return respondObject(withWarnings(reply, [...validation.warnings(), ...admissionWarnings]), path.type, patched.object, output, patched.created ? 201 : 200, query, pretty);
      }
      case 'DELETE': {
        const options = deleteOptions(req, query);
        if (path.name === undefined) {
          const page = await rest.deleteCollection(path, { labelSelector: query.labelSelector, fieldSelector: query.fieldSelector }, options);
          return respondList(reply, path.type, page, output === 'table' ? 'json' : output, query, pretty);
        }
        const deleted = await rest.delete(path, options);
        if (!options.dryRun) rbac.observe(path.type, deleted, !deleted.metadata.deletionTimestamp);
        if (path.type.resource === 'namespaces' && !options.dryRun) namespaces?.namespaceDeleted();
        const pending = !!deleted.metadata.deletionTimestamp;
        if (!pending && !path.type.returnsDeletedObject) {
          const status = successStatus({ name: deleted.metadata.name, group: path.type.group, kind: path.type.resource, uid: deleted.metadata.uid });
          const { body, contentType } = serialize(status, output === 'yaml' ? 'yaml' : 'json', pretty);
          return reply.code(200).header('content-type', contentType).send(body);
        }
        // kube-apiserver answers 202 only for a pending delete that asked for orphanDependents=false.
        return respondObject(reply, path.type, deleted, output === 'table' ? 'json' : output, pending && options.orphanDependents === false ? 202 : 200, query, pretty);
      }
      default:
        throw new MethodNotAllowedError();
    }
  };

  const respondObject = (reply: FastifyReply, type: Kind, obj: KubeObject, output: Output, code: number, query: Record<string, string | undefined>, pretty: boolean) => {
    const value = output === 'table' && obj.kind === type.kind ? toTable([obj], type, { now: clock(), includeObject: includeObjectParam(query) }) : obj;
    // Compact JSON of an object the watch cache holds is its cached encoding.
    const { body, contentType } = output === 'json' && !pretty ? { body: encodeObjectJson(value), contentType: 'application/json' } : serialize(value, output === 'table' ? 'json' : output, pretty);
    return reply.code(code).header('content-type', contentType).send(body);
  };

  const respondList = (reply: FastifyReply, type: Kind, page: ListPage, output: Output, query: Record<string, string | undefined>, pretty: boolean) => {
    const metadata = {
      resourceVersion: page.resourceVersion,
      ...(page.continue ? { continue: page.continue } : {}),
      ...(page.remainingItemCount !== undefined ? { remainingItemCount: page.remainingItemCount } : {}),
    };
    const value =
      output === 'table'
        ? toTable(page.items, type, { now: clock(), includeObject: includeObjectParam(query), resourceVersion: page.resourceVersion, continue: page.continue })
        : { apiVersion: groupVersion(type), kind: type.listKind, metadata, items: page.items };
    if (output === 'table') (value as { metadata: object }).metadata = metadata;
    // Compact JSON reuses the watch cache's encoding of each object it holds.
    const { body, contentType } = output === 'json' && !pretty ? { body: encodeListJson(value as { items: KubeObject[] }), contentType: 'application/json' } : serialize(value, output === 'table' ? 'json' : output, pretty);
    return reply.code(200).header('content-type', contentType).send(body);
  };

  const MAX_TIMER_MS = 2 ** 31 - 1;
  const maxWatchesPerUser = opts.maxWatchesPerUser ?? 1000;
  const maxWatchBacklogBytes = opts.maxWatchBacklogBytes ?? 16 * 1024 * 1024;
  const watchBacklogGraceMs = opts.watchBacklogGraceMs ?? 10_000;
  const watchesByUser = new Map<string, number>();
  const watch = async (req: FastifyRequest, reply: FastifyReply, path: ResourcePath, query: Record<string, string | undefined>, output: Output, timeout: number | undefined) => {
    const labels = query.labelSelector ? parseLabelSelector(query.labelSelector) : undefined;
    const fields = query.fieldSelector ? parseFieldSelector(query.fieldSelector) : undefined;
    const timeoutSeconds = timeout ?? 1800 + Math.floor(Math.random() * 1800);
    const bookmarks = boolParam(query.allowWatchBookmarks);
    const sendInitialEvents = boolParam(query.sendInitialEvents);
    const includeObject = includeObjectParam(query);
    const filter = { type: path.type, namespace: path.type.namespaced ? path.namespace : undefined, labels, fields };
    let from = query.resourceVersion;
    const initial: KubeObject[] = [];
    const sendInitial = sendInitialEvents || !from || from === '0';
    if (sendInitial) {
      const page = await listPage(path, { labelSelector: query.labelSelector, fieldSelector: query.fieldSelector, resourceVersion: from });
      initial.push(...page.items);
      from = page.resourceVersion;
    } else if (!/^\d+$/.test(from!)) {
      throw new BadRequestError(`invalid resource version: ${from}`);
    } else {
      await awaitResourceVersion(store, from!);
    }

    const user = req.principal?.name ?? 'system:anonymous';
    const held = watchesByUser.get(user) ?? 0;
    if (held >= maxWatchesPerUser) throw new TooManyRequestsError(`too many watches open for user ${JSON.stringify(user)} (at most ${maxWatchesPerUser}); close some and try again`, 1);
    watchesByUser.set(user, held + 1);
    let counted = true;
    const uncount = () => {
      if (!counted) return;
      counted = false;
      const n = (watchesByUser.get(user) ?? 1) - 1;
      if (n > 0) watchesByUser.set(user, n);
      else watchesByUser.delete(user);
    };

    reply.hijack();
    // A hijacked reply skips onResponse: a watch is counted when it starts.
    metrics.observe('WATCH', path.type.resource, 200);
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private', 'transfer-encoding': 'chunked' });
    res.flushHeaders();
    let first = true;
    let ended = false;
    const timers: (NodeJS.Timeout | undefined)[] = [];
    const conv = path.type.conversion;
    const write = (type: string, stored: KubeObject) => {
      // Events come from the store in the storage version; a watch of another version sees its own.
      // (Every served version of a custom resource shares one storage: its objects read as the version watched.)
      const converted = conv && stored.apiVersion === groupVersion(conv.storage) ? conv.fromStorage(stored) : stored;
      const object = path.type.storageApiVersion && converted.kind === path.type.kind ? { ...converted, apiVersion: groupVersion(path.type) } : converted;
      let obj: unknown = object;
      if (output === 'table' && (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED')) {
        const table = toTable([object], path.type, { now: clock(), includeObject }) as Record<string, unknown>;
        if (!first) delete table.columnDefinitions;
        first = false;
        obj = table;
      }
      if (ended) return;
      res.write(encodeJson({ type, object: obj }));
      // A client that does not read what it is sent is not buffered for without end: when more than
      // the limit has waited unsent for the grace period, its watch closes, and it resumes from the
      // last resourceVersion it read, as after any closed watch. A burst a reading client drains is fine.
      if (res.writableLength > maxWatchBacklogBytes && !timers[2]) {
        timers[2] = setTimeout(() => {
          timers[2] = undefined;
          if (res.writableLength <= maxWatchBacklogBytes) return;
          req.log.warn({ user, resource: path.type.resource, queuedBytes: res.writableLength }, 'closing a watch whose client is not reading');
          end();
        }, watchBacklogGraceMs);
      }
    };
    let handle: { stop(): void; resourceVersion(): string } | undefined;
    const end = () => {
      if (ended) return;
      ended = true;
      uncount();
      handle?.stop();
      for (const t of timers) clearTimeout(t);
      res.end();
    };
    req.raw.on('close', end);
    res.on('close', end);
    for (const obj of initial) write('ADDED', obj);
    try {
      handle = await (watchCache ?? hub).watch(filter, from!, { send: (type, object) => write(type, object) });
    } catch (err) {
      write('ERROR', toStatus(err) as unknown as KubeObject);
      end();
      return;
    }
    if (ended) {
      handle.stop();
      return;
    }
    const bookmark = (annotations?: Record<string, string>) =>
      write('BOOKMARK', { apiVersion: groupVersion(path.type), kind: path.type.kind, metadata: { resourceVersion: handle!.resourceVersion(), ...(annotations ? { annotations } : {}) } });
    if (bookmarks && sendInitialEvents) bookmark({ 'k8s.io/initial-events-end': 'true' });
    if (bookmarks) {
      const tick = () => {
        bookmark();
        timers[1] = setTimeout(tick, bookmarkIntervalMs);
      };
      timers[1] = setTimeout(tick, bookmarkIntervalMs);
    }
    // A timer longer than 2^31 ms fires at once in Node: a longer timeout is, in practice, no timeout.
    timers[0] = setTimeout(end, Math.min(timeoutSeconds * 1000, MAX_TIMER_MS));
  };

  for (const prefix of ['/api/v1/*', '/apis/:group/:version/*']) {
    app.route({ method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], url: prefix, handler });
  }

  app.addHook('onClose', async () => {
    crds.stop();
    rbac.stop();
    watchCache?.stop();
    caches.stop();
    statusFeed.stop();
    hub.stop();
    namespaces?.stop();
  });
  return { app, hub };
}

/** The change feed (the watch hub) and the caches it feeds. */
export async function startShared(store: Store, logger: Logger): Promise<{ hub: WatchHub; caches: ServerCaches }> {
  const hub = new WatchHub(store, logger);
  await hub.start();
  return { hub, caches: await startServerCaches(store, hub, logger) };
}

/** A create/update body checked against its kind's declared fields (protobuf bodies cannot hold undeclared ones). */
function validatedRequestObject(req: FastifyRequest, type: Kind, directive: FieldValidation): Validated<KubeObject> {
  const obj = requestObject(req);
  if (Buffer.isBuffer(req.body)) return { value: obj, warnings: [] };
  return validateObjectBody(req.body as string, req.headers['content-type'], obj, type, directive);
}

/** A body as it will be stored in the request's namespace (what escalation checks look at). */
function inNamespace(obj: KubeObject, namespace: string | undefined): KubeObject {
  return namespace && obj?.metadata ? { ...obj, metadata: { ...obj.metadata, namespace } } : obj;
}

function withWarnings(reply: FastifyReply, warnings: string[]): FastifyReply {
  return warnings.length ? reply.header('warning', warnings.map(warningHeader)) : reply;
}

/** The object in a create/update body: JSON, YAML, or (from kubectl's typed clients) protobuf. */
function requestObject(req: FastifyRequest): KubeObject {
  if (Buffer.isBuffer(req.body)) return decodeProtobufObject(req.body);
  return requireObject(decodeBody(req.body as string, req.headers['content-type'])) as KubeObject;
}

function verbOf(method: string, name: string | undefined, query: Record<string, string | undefined>): Verb {
  switch (method) {
    case 'GET':
      return name === undefined ? (boolParam(query.watch) ? 'watch' : 'list') : 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    default:
      return name === undefined ? 'deletecollection' : 'delete';
  }
}

/** Kubernetes' verb label of apiserver_request_total: LIST, WATCH, GET, POST, PUT, PATCH, APPLY, DELETE, DELETECOLLECTION. */
function metricVerb(verb: Verb, contentType: string | undefined): string {
  if (verb === 'patch' && contentType?.startsWith('application/apply-patch')) return 'APPLY';
  const http: Partial<Record<Verb, string>> = { create: 'POST', update: 'PUT' };
  return http[verb] ?? verb.toUpperCase();
}

function prettyOf(req: FastifyRequest): boolean {
  return wantsPretty((req.query as Record<string, string | undefined> | undefined)?.pretty, req.headers['user-agent']);
}

function includeObjectParam(query: Record<string, string | undefined>): 'None' | 'Metadata' | 'Object' {
  const v = query.includeObject;
  return v === 'None' || v === 'Object' ? v : 'Metadata';
}

/** kubectl passes its manager names; other clients are named after their User-Agent, as in Kubernetes. */
function defaultFieldManager(userAgent: string | undefined): string {
  const name = (userAgent ?? 'unknown').split('/')[0].trim();
  return name.slice(0, 128) || 'unknown';
}

function deleteOptions(req: FastifyRequest, query: Record<string, string | undefined>): DeleteOptions {
  let body: Record<string, unknown> = {};
  const raw = typeof req.body === 'string' ? req.body : '';
  if (raw.trim()) body = requireObject(decodeBody(raw, req.headers['content-type'] ?? 'application/json'), 'DeleteOptions');
  const grace = body.gracePeriodSeconds ?? int64Param(query.gracePeriodSeconds);
  const policy = (body.propagationPolicy ?? query.propagationPolicy) as string | undefined;
  const orphan = body.orphanDependents ?? optionalBoolParam(query.orphanDependents);
  if (policy !== undefined && !['Foreground', 'Background', 'Orphan'].includes(policy)) {
    throw new BadRequestError(`propagationPolicy must be one of Foreground, Background, Orphan; got "${policy}"`);
  }
  const dryRunList = (body.dryRun as string[] | undefined) ?? (query.dryRun ? [query.dryRun] : []);
  return {
    dryRun: dryRunList.includes('All'),
    orphanDependents: typeof orphan === 'boolean' ? orphan : undefined,
    gracePeriodSeconds: typeof grace === 'number' ? grace : undefined,
    propagationPolicy: (policy as DeleteOptions['propagationPolicy']) ?? (orphan === true ? 'Orphan' : undefined),
    preconditions: body.preconditions as DeleteOptions['preconditions'],
  };
}

const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

/** The query of most requests: nothing (only read, never changed). */
const NO_QUERY = new URLSearchParams();

/** A URL's path and query, as `url.split('?')` gives its first two parts, without splitting at every `?`. */
function splitUrl(url: string): [string, string | undefined] {
  const q = url.indexOf('?');
  if (q < 0) return [url, undefined];
  const end = url.indexOf('?', q + 1);
  return [url.slice(0, q), url.slice(q + 1, end < 0 ? undefined : end)];
}

/** A request's own `timeout` (a Go duration), capped by the server's: how long it may take. */
function requestTimeoutOf(query: URLSearchParams, serverMs: number): number {
  const given = query.get('timeout');
  if (given === null || given === '') return serverMs;
  const ms = parseGoDuration(given);
  if (ms === undefined || ms < 0) throw new BadRequestError(`invalid timeout specified in the request URL: ${JSON.stringify(given)}`);
  return ms === 0 ? serverMs : Math.min(ms, serverMs);
}

/** The TLS server's options: a client certificate is asked for (never required: tokens work too) when a client CA is set. */
function httpsOptions(tls: { cert: string; key: string; clientCa?: string }) {
  return tls.clientCa ? { cert: tls.cert, key: tls.key, ca: tls.clientCa, requestCert: true, rejectUnauthorized: false } : { cert: tls.cert, key: tls.key };
}
