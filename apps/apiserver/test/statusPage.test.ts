import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnauthorizedError } from '@skiff/apimachinery';
import { pino } from 'pino';
import { staticTokens } from '../src/auth.js';
import { buildServer } from '../src/server.js';
import { authenticateStatusRequest, redactToken } from '../src/statusAccess.js';
import { compactForStatus } from '../src/statusObjects.js';
import type { RunningApiServer } from '../src/index.js';
import { ADMIN_TOKEN, api, configMap, createBackend, startTestServer, useTestServer, type TestBackend } from './harness.js';

interface SseEvent {
  event: string;
  data: any;
}

/** Reads Server-Sent Events from `/status/stream` until `until` says enough. */
async function readStream(url: string, until: (events: SseEvent[]) => boolean, timeoutMs = 10_000, onOpen?: () => Promise<void>): Promise<SseEvent[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const events: SseEvent[] = [];
  try {
    const res = await fetch(url, { signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    let buf = '';
    let opened = false;
    const decoder = new TextDecoder();
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const lines = block.split('\n');
        const event = lines.find((l) => l.startsWith('event: '))?.slice(7);
        const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
        if (event && data) events.push({ event, data: JSON.parse(data) });
        else if (block.startsWith(': heartbeat')) events.push({ event: 'heartbeat', data: undefined });
        if (events.length === 1 && !opened && onOpen) {
          opened = true;
          await onOpen();
        }
        if (until(events)) return events;
      }
    }
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return events;
}

describe('the status page endpoints', () => {
  let backend: TestBackend;
  let server: RunningApiServer;
  let call: ReturnType<typeof api>;

  beforeAll(async () => {
    backend = await createBackend('postgres');
    server = await startTestServer(backend, { statusHeartbeatMs: 200 });
    call = api(server);
    await call('POST', '/api/v1/namespaces/default/configmaps', configMap('before'));
  });
  afterAll(async () => {
    await server?.close();
    await backend?.dispose();
  });

  it('streams a snapshot, then each change, then heartbeats', async () => {
    const events = await readStream(
      `${server.url}/status/stream`,
      (evs) => evs.some((e) => e.event === 'change' && e.data.object.metadata.name === 'after') && evs.some((e) => e.event === 'heartbeat'),
      10_000,
      async () => {
        const big = { ...configMap('after', { payload: 'x'.repeat(10_000) }), metadata: { name: 'after', namespace: 'default', annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"a":1}', note: 'short' } } };
        expect((await call('POST', '/api/v1/namespaces/default/configmaps', big)).status).toBe(201);
      },
    );
    expect(events[0].event).toBe('snapshot');
    const snapshot = events[0].data.items as Array<{ kind: string; metadata: { name: string } }>;
    expect(snapshot.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'before')).toBeDefined();
    const change = events.find((e) => e.event === 'change')!.data;
    expect(change).toMatchObject({ type: 'ADDED', kind: 'ConfigMap', object: { metadata: { name: 'after', annotations: { note: 'short' } } } });
    expect(change.object.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']).toBeUndefined();
    expect(change.object.metadata.managedFields).toBeUndefined();
    expect(change.object.data).toBeUndefined();
  });

  it('viewers share one feed: a viewer who joins later gets a snapshot with every change so far, and all get each change', async () => {
    const url = `${server.url}/status/stream`;
    const seen = (name: string) => (evs: SseEvent[]) => evs.some((e) => (e.event === 'change' && e.data.object.metadata.name === name) || (e.event === 'snapshot' && e.data.items.some((o: { metadata: { name: string } }) => o.metadata.name === name)));
    // The first viewer holds the feed open while the second comes and goes.
    const first = readStream(url, seen('shared-2'), 10_000, async () => {
      expect((await call('POST', '/api/v1/namespaces/default/configmaps', configMap('shared-1'))).status).toBe(201);
      const second = await readStream(url, seen('shared-2'), 10_000, async () => {
        expect((await call('POST', '/api/v1/namespaces/default/configmaps', configMap('shared-2'))).status).toBe(201);
      });
      // Its snapshot already had the change made before it joined; the next came as a change.
      expect(second[0].data.items.some((o: { metadata: { name: string } }) => o.metadata.name === 'shared-1')).toBe(true);
      expect(second.filter((e) => e.event === 'change').map((e) => e.data.object.metadata.name)).toEqual(['shared-2']);
    });
    const events = await first;
    expect(events.filter((e) => e.event === 'change').map((e) => e.data.object.metadata.name)).toEqual(['shared-1', 'shared-2']);
    // A deletion leaves the feed's copy: a new viewer's snapshot no longer has it.
    expect((await call('DELETE', '/api/v1/namespaces/default/configmaps/shared-1')).status).toBe(200);
    const later = await readStream(url, (evs) => evs.length > 0);
    expect(later[0].data.items.some((o: { metadata: { name: string } }) => o.metadata.name === 'shared-1')).toBe(false);
    expect(later[0].data.items.some((o: { metadata: { name: string } }) => o.metadata.name === 'shared-2')).toBe(true);
  });

  it('refuses a caller from another machine without a token, and accepts any authenticated user', async () => {
    const auth = staticTokens({ [ADMIN_TOKEN]: { name: 'admin', groups: ['system:masters'] }, 'viewer-token': { name: 'viewer', groups: ['system:authenticated'] } });
    const remote = '10.1.2.3';
    await expect(authenticateStatusRequest(auth, { remoteAddress: remote })).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(authenticateStatusRequest(auth, { remoteAddress: remote, queryToken: 'wrong' })).rejects.toBeInstanceOf(UnauthorizedError);
    await expect(authenticateStatusRequest(auth, { remoteAddress: remote, queryToken: 'viewer-token' })).resolves.toMatchObject({ name: 'viewer' });
    await expect(authenticateStatusRequest(auth, { remoteAddress: remote, authorization: 'Bearer viewer-token' })).resolves.toMatchObject({ name: 'viewer' });
    await expect(authenticateStatusRequest(auth, { remoteAddress: remote, cookie: 'a=b; skiff_status_token=viewer-token' })).resolves.toMatchObject({ name: 'viewer' });
    await expect(authenticateStatusRequest(auth, { remoteAddress: '127.0.0.1' })).resolves.toBeUndefined();
    await expect(authenticateStatusRequest(auth, { remoteAddress: '::ffff:127.0.0.1' })).resolves.toBeUndefined();
    expect(redactToken('/status/stream?a=1&token=secret')).toBe('/status/stream?a=1&token=REDACTED');
  });

  // A real request from another address: this machine's own non-loopback address, when it has one.
  const external = Object.values(networkInterfaces()).flat().find((a) => a && a.family === 'IPv4' && !a.internal)?.address;

  it.skipIf(!external)('from another address: 401 without a token; a viewer token reads the page and stream but not the resource API', async () => {
    const viewer = await startTestServer(backend, { host: '0.0.0.0', tokens: { [ADMIN_TOKEN]: { name: 'admin', groups: ['system:masters'] }, 'viewer-token': { name: 'viewer', groups: ['system:authenticated'] } } });
    const base = `http://${external}:${viewer.port}`;
    const streamAbort = new AbortController();
    try {
      expect((await fetch(`${base}/status/stream`)).status).toBe(401);
      expect((await fetch(`${base}/`)).status).toBe(401);
      expect((await fetch(`${base}/metrics`)).status).toBe(401);
      expect((await fetch(`${base}/status/stream?token=wrong`)).status).toBe(401);
      const stream = await fetch(`${base}/status/stream?token=viewer-token`, { signal: streamAbort.signal });
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const page = await fetch(`${base}/?token=viewer-token`);
      expect(page.status).toBe(200);
      const cookie = page.headers.get('set-cookie')!.split(';')[0];
      expect(cookie).toBe('skiff_status_token=viewer-token');
      const asset = /src="(\/assets\/[^"]+)"/.exec(await page.text())![1];
      expect((await fetch(base + asset, { headers: { cookie } })).status).toBe(200);
      expect((await api({ url: base }, 'viewer-token')('GET', '/api/v1/namespaces/default/configmaps')).status).toBe(403);
    } finally {
      streamAbort.abort();
      await viewer.close();
    }
  });

  it('serves the built page at / and its assets', async () => {
    const page = await call('GET', '/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(page.text)?.[1];
    expect(asset).toBeDefined();
    const js = await fetch(server.url + asset);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${server.url}/assets/..%2Fpackage.json`)).status).toBe(404);
  });

  it('answers 503 with the build command when the page is not built', async () => {
    const { app } = await buildServer({ store: server.store, authenticator: staticTokens({}), logger: pino({ level: 'silent' }), statusPageDir: '/nonexistent/dist' });
    try {
      const res = await app.inject({ method: 'GET', url: '/', remoteAddress: '127.0.0.1' });
      expect(res.statusCode).toBe(503);
      expect(res.body).toContain('npm run build -w @skiff/status-page');
    } finally {
      await app.close();
    }
  });

  it('serves Prometheus metrics of requests and watches', async () => {
    await call('GET', '/api/v1/namespaces/default/configmaps');
    await call('GET', '/api/v1/namespaces/default/configmaps/missing');
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/apiserver_request_total\{verb="LIST",resource="configmaps",code="200"\} \d+/);
    expect(text).toMatch(/apiserver_request_total\{verb="GET",resource="configmaps",code="404"\} 1/);
    expect(text).toMatch(/apiserver_request_total\{verb="POST",resource="configmaps",code="201"\} \d+/);
    expect(text).toMatch(/apiserver_request_total\{verb="WATCH",resource="",code="200"\} \d+/);
    expect(text).toMatch(/apiserver_request_duration_seconds_bucket\{le="[0-9.]+",verb="LIST",resource="configmaps",code="200"\}/);
    expect(text).toMatch(/apiserver_registered_watchers \d+/);
  });
});

describe('the status feed', () => {
  const t = useTestServer();
  const watchers = async () => Number(/^apiserver_registered_watchers (\d+)$/m.exec((await t.call('GET', '/metrics')).text)?.[1]);
  const until = async (what: string, cond: () => Promise<boolean>, deadlineMs = 10_000) => {
    const end = Date.now() + deadlineMs;
    while (!(await cond())) {
      if (Date.now() > end) throw new Error(`not within ${deadlineMs} ms: ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  it('starts when the page is fetched, before its stream comes, and outlives its last viewer', async () => {
    const before = await watchers();
    expect((await t.call('POST', '/api/v1/namespaces/default/configmaps', configMap('warm'))).status).toBe(201);
    expect((await t.call('GET', '/')).status).toBe(200);
    // One watch per status kind, with no stream open yet.
    await until('the feed watches', async () => (await watchers()) >= before + 10);
    const events = await readStream(`${t.server.url}/status/stream`, (evs) => evs.length > 0);
    expect(events[0].data.items.some((o: { kind: string; metadata: { name: string } }) => o.kind === 'ConfigMap' && o.metadata.name === 'warm')).toBe(true);
    // It lists and watches through the watch cache (in memory, not Postgres): every status kind is
    // cached now, even one nothing else here reads.
    const cached = (await t.call('GET', '/metrics')).text;
    for (const resource of ['applications', 'pods', 'endpoints', 'events', 'webhooks']) expect(cached).toMatch(new RegExp(`^apiserver_watch_cache_objects\\{group="[a-z.]*",resource="${resource}"\\} \\d+$`, 'm'));
    // The viewer left; a reload finds the feed still watching (it stops 30 s after).
    expect(await watchers()).toBeGreaterThanOrEqual(before + 10);
  });
});

describe('compactForStatus', () => {
  it('keeps of a Pod only what the page shows (no uid, resourceVersion, creation time, or labels but its Application\'s)', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'd', uid: 'p-uid', resourceVersion: '42', creationTimestamp: '2026-01-01T00:00:00Z', labels: { app: 'web', 'skiff.dev/application': 'shop' }, managedFields: [{ manager: 'x' }], ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u', controller: true, blockOwnerDeletion: true }] },
      spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'i', command: ['sleep'], env: [{ name: 'A', value: 'B' }], resources: { requests: { cpu: '100m' } } }] },
      status: { phase: 'Running', podIP: '127.1.1.2', hostIP: '127.0.0.1', conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: 't' }, { type: 'Initialized', status: 'True' }], containerStatuses: [{ name: 'c', ready: true, restartCount: 2, image: 'i', state: { running: { startedAt: 't' } } }] },
    };
    expect(compactForStatus(pod as never)).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'd', labels: { 'skiff.dev/application': 'shop' }, ownerReferences: [{ kind: 'ReplicaSet', name: 'rs', controller: true }] },
      spec: { nodeName: 'node-1', containers: [{ name: 'c', resources: { requests: { cpu: '100m' } } }] },
      status: { phase: 'Running', reason: undefined, podIP: '127.1.1.2', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'c', ready: true, restartCount: 2 }] },
    });
  });

  it('keeps of an Application what the page shows: not its sync result, conditions or resources\' field diffs', () => {
    const app = {
      apiVersion: 'skiff.dev/v1alpha1',
      kind: 'Application',
      metadata: { name: 'shop', namespace: 'd' },
      spec: { source: { repoURL: 'file:///repo', path: 'shop' } },
      status: {
        sync: { status: 'Synced', revision: 'abc' },
        health: { status: 'Degraded', message: 'web: 0/1 ready' },
        operationState: { phase: 'Succeeded', message: 'synced', startedAt: 't0', finishedAt: 't1', revision: 'abc', syncResult: { revision: 'abc', resources: [{ group: 'apps', version: 'v1', kind: 'Deployment', name: 'web', syncPhase: 'Sync' }] } },
        conditions: [{ type: 'SyncError', message: 'x' }],
        resources: [{ group: 'apps', version: 'v1', kind: 'Deployment', namespace: 'd', name: 'web', status: 'OutOfSync', health: { status: 'Degraded', message: 'm' }, diff: ['spec.replicas'] }],
        history: [{ id: 1, revision: 'abc', message: 'first', author: 'a <a@x>', deployedAt: 't1', healthy: true, changes: '+x' }],
        reconciledAt: 't2',
      },
    };
    expect(compactForStatus(app as never)).toEqual({
      apiVersion: 'skiff.dev/v1alpha1',
      kind: 'Application',
      metadata: { name: 'shop', namespace: 'd' },
      spec: { source: { repoURL: 'file:///repo', path: 'shop' } },
      status: {
        sync: { status: 'Synced', revision: 'abc' },
        health: { status: 'Degraded', message: 'web: 0/1 ready' },
        operationState: { phase: 'Succeeded', message: 'synced', revision: 'abc' },
        resources: [{ group: 'apps', kind: 'Deployment', namespace: 'd', name: 'web', status: 'OutOfSync', health: { status: 'Degraded' } }],
        history: [{ id: 1, revision: 'abc', message: 'first', author: 'a <a@x>', deployedAt: 't1', changes: '+x' }],
      },
    });
  });

  it('keeps of an Event what the page lists, and its creation time (its time when it has no other)', () => {
    const event = { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e', namespace: 'd', uid: 'e-uid', creationTimestamp: '2026-01-01T00:00:00Z' }, reason: 'Pulled', message: 'ok' };
    expect(compactForStatus(event as never)).toEqual({ apiVersion: 'v1', kind: 'Event', metadata: { name: 'e', namespace: 'd', creationTimestamp: '2026-01-01T00:00:00Z' }, reason: 'Pulled', message: 'ok' });
    const full = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'f', namespace: 'd', creationTimestamp: 't0' },
      type: 'Warning',
      reason: 'BackOff',
      message: 'restarting <b>',
      count: 3,
      firstTimestamp: 't1',
      lastTimestamp: 't2',
      eventTime: null,
      involvedObject: { kind: 'Pod', namespace: 'd', name: 'web-1', uid: 'u', apiVersion: 'v1', resourceVersion: '9', fieldPath: 'spec.containers{web}' },
      source: { component: 'kubelet', host: 'node-1' },
      reportingComponent: 'kubelet',
      reportingInstance: 'node-1',
    };
    expect(compactForStatus(full as never)).toEqual({
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'f', namespace: 'd', creationTimestamp: 't0' },
      type: 'Warning',
      reason: 'BackOff',
      message: 'restarting <b>',
      count: 3,
      lastTimestamp: 't2',
      involvedObject: { kind: 'Pod', name: 'web-1' },
    });
    // Without a last or event time, the first time is the event's time.
    expect(compactForStatus({ ...full, lastTimestamp: null } as never)).toMatchObject({ firstTimestamp: 't1' });
  });
});
