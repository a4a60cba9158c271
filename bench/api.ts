import pg from 'pg';
import { pino } from 'pino';
import { createTestDatabase, openStore } from '@skiff/store';
import { startApiServer } from '@skiff/apiserver';
import { startLoadClient, type Load } from './loadClient.js';
import { fmt, rate, summary } from './stats.js';
import { listFromCacheVersusStore } from './listCache.js';
import { rawInsertBody, rawInsertRate } from './rawInsert.js';

const TOKEN = 'bench-token';
const N = Number(process.env.BENCH_N ?? 2000);
const CONCURRENCY = 8;
/** GETs measured after the warm-up (BENCH_N of them): a few seconds' worth. */
const GET_RUN = Number(process.env.BENCH_GET_RUN ?? 40_000);
/** Creates measured after a warm-up of BENCH_N creates (of other names): a few seconds' worth. */
const CREATE_RUN = Number(process.env.BENCH_CREATE_RUN ?? 10_000);

/**
 * Statements this process has sent to Postgres so far (every client of the `pg` module the store
 * uses): a heartbeat's database cost, counted exactly where CPU figures on a busy machine are not.
 */
let statementsSent = 0;
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
  statementsSent++;
  return (query as (...a: unknown[]) => unknown).apply(this, args);
} as typeof query;

/** A load sent to the server under test: its headers default to the bench token's, its concurrency to LOAD_CONCURRENCY. */
type LoadAt = (what: Omit<Load, 'url' | 'headers' | 'concurrency'> & Partial<Pick<Load, 'headers' | 'concurrency'>>) => Promise<Rate>;

/**
 * Requests/s, and the API server's CPU time per request (this process's, which runs only the
 * server while the load client works): the figure a loaded machine disturbs least. The load
 * client's own CPU per request is shown beside it: while it stays well below the server's, the
 * client is not what limits the rate.
 */
interface Rate {
  perSecond: number;
  cpuMicros: number;
  clientCpuMicros: number;
  /** Postgres statements per request. */
  statements: number;
}

const show = (r: Rate) => `${fmt(r.perSecond)} (server CPU ${fmt(r.cpuMicros)} µs, ${fmt(r.statements, 2)} statements each; load client ${fmt(r.clientCpuMicros)} µs)`;

/** Requests in flight from the load client: enough to keep the API server's core busy. */
const LOAD_CONCURRENCY = Number(process.env.BENCH_API_CONCURRENCY ?? 32);
/** How many Leases and Nodes the heartbeat figures renew in turn. */
const HEARTBEAT_OBJECTS = 100;

export async function apiBench(): Promise<void> {
  const db = await createTestDatabase();
  try {
    const rawInserts = await storeVersusRawInsert(db.url);
    await apiFigures(db.url, rawInserts);
    await listFromCacheVersusStore(db.url);
  } finally {
    await db.drop();
  }
}

/** The store's writes/s beside a raw single-row INSERT on the same Postgres, same concurrency; answers the raw INSERT/s at CONCURRENCY. */
async function storeVersusRawInsert(url: string): Promise<number> {
  const store = await openStore({ databaseUrl: url });
  let rawAtConcurrency = 0;
  for (const concurrency of [1, CONCURRENCY]) {
    const tag = `c${concurrency}`;
    const raw = await rawInsertRate(url, N, concurrency, tag);
    const stored = await rate(N, concurrency, (i) => store.create({ group: '', resource: 'configmaps', namespace: 'default', name: `${tag}-s-${i}` }, rawInsertBody(i)));
    console.log(`store writes/s (concurrency ${concurrency}): ${fmt(stored)}   raw INSERT/s: ${fmt(raw)}   ratio: ${fmt(stored / raw, 2)}  (goal >= 0.50)`);
    rawAtConcurrency = raw;
  }
  await store.close();
  return rawAtConcurrency;
}

/**
 * `npm run bench -- heartbeats`: the heartbeat figures alone, on a fresh database (a short run to
 * profile: `BENCH_N=4000 node --cpu-prof --import tsx bench/run.ts heartbeats` profiles the API
 * server, the load client being another process).
 */
export async function heartbeatBench(): Promise<void> {
  const db = await createTestDatabase();
  try {
    await withApiServer(db.url, (url, headers, load) => heartbeatFigures(url, headers, load));
  } finally {
    await db.drop();
  }
}

/** An API server in this process and a load client in another, for `fn`'s loads. */
async function withApiServer(url: string, fn: (serverUrl: string, headers: Record<string, string>, load: LoadAt) => Promise<void>): Promise<void> {
  const server = await startApiServer({ databaseUrl: url, port: 0, tokens: { [TOKEN]: { name: 'bench', groups: ['system:masters'] } }, logger: pino({ level: 'silent' }) });
  const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  const client = startLoadClient();
  const load: LoadAt = async (what) => {
    const cpu = process.cpuUsage();
    const statements = statementsSent;
    const result = await client.run({ url: server.url, headers, concurrency: LOAD_CONCURRENCY, ...what });
    const used = process.cpuUsage(cpu);
    if (result.error) throw new Error(result.error);
    return { perSecond: result.perSecond, cpuMicros: (used.user + used.system) / result.done, clientCpuMicros: result.cpuMicros, statements: (statementsSent - statements) / result.done };
  };
  try {
    await fn(server.url, headers, load);
  } finally {
    client.close();
    await server.close();
  }
}

/**
 * The API server's request rates, measured from a load client in another process (so the server
 * has a core to itself) with LOAD_CONCURRENCY requests in flight, beside the raw Postgres INSERT
 * rate of the same run.
 */
async function apiFigures(url: string, rawInserts: number): Promise<void> {
  await withApiServer(url, async (serverUrl, headers, load) => {
    const configMaps = '/api/v1/namespaces/default/configmaps';
    // The first requests of a kind run while V8 is still compiling their path: counted apart,
    // then the rate of a longer run is the figure (creates of other names, GETs of the same objects).
    const coldCreates = await load({ method: 'POST', path: configMaps, body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'warm-{i}' }, data: { k: 'v' } }), expect: 201, total: N });
    const creates = await load({ method: 'POST', path: configMaps, body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'api-{i}' }, data: { k: 'v' } }), expect: 201, total: Math.max(CREATE_RUN, N) });
    const coldGets = await load({ method: 'GET', path: `${configMaps}/api-{i}`, expect: 200, total: N });
    const gets = await load({ method: 'GET', path: `${configMaps}/api-{i}`, expect: 200, total: GET_RUN, cycle: N });
    const lists = await load({ method: 'GET', path: `${configMaps}?limit=100`, expect: 200, total: 200 });
    console.log(`API creates/s: ${show(creates)} (goal >= 2,000; ${fmt(Math.max(CREATE_RUN, N))} creates after ${fmt(N)} to warm up, which ran at ${fmt(coldCreates.perSecond)}/s)   gets/s: ${show(gets)} (goal >= 10,000; ${fmt(GET_RUN)} GETs after ${fmt(N)} to warm up, which ran at ${fmt(coldGets.perSecond)}/s)   raw Postgres INSERT/s (concurrency ${CONCURRENCY}): ${fmt(rawInserts)}   [${LOAD_CONCURRENCY} in flight from another process]`);
    console.log(`API lists/s (100 items a page): ${show(lists)}`);
    await heartbeatFigures(serverUrl, headers, load);
    await watchLatency(serverUrl, headers);
  });
}

/**
 * What node heartbeats cost: a Lease renew (a merge patch of spec.renewTime, as the node lease
 * controller's update changes nothing else) and a node status patch (the Ready condition's
 * lastHeartbeatTime), each over HEARTBEAT_OBJECTS objects in turn, while Leases and Nodes are
 * watched, as the node lifecycle controller and the scheduler watch them in a cluster.
 */
async function heartbeatFigures(url: string, headers: Record<string, string>, load: LoadAt): Promise<void> {
  const post = async (path: string, body: object) => {
    const res = await fetch(`${url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
    if (res.status !== 201) throw new Error(`creating ${path}: ${res.status} ${await res.text()}`);
  };
  const watching = new AbortController();
  for (const path of ['/apis/coordination.k8s.io/v1/leases', '/api/v1/nodes']) {
    const res = await fetch(`${url}${path}?watch=1`, { headers, signal: watching.signal });
    void (async () => {
      for await (const _ of res.body as unknown as AsyncIterable<Uint8Array>);
    })().catch(() => {});
  }
  try {
    await renewsAndStatusPatches(headers, load, post);
  } finally {
    watching.abort();
  }
}

async function renewsAndStatusPatches(headers: Record<string, string>, load: LoadAt, post: (path: string, body: object) => Promise<void>): Promise<void> {
  for (let i = 0; i < HEARTBEAT_OBJECTS; i++) {
    await post('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: `hb-${i}` }, spec: { holderIdentity: `hb-${i}`, leaseDurationSeconds: 40 } });
    await post('/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: `hb-${i}` } });
  }
  const renews = await load({
    method: 'PATCH',
    path: '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/hb-{i}',
    headers: { ...headers, 'content-type': 'application/merge-patch+json' },
    body: JSON.stringify({ spec: { renewTime: '{now}' } }),
    expect: 200,
    total: N,
    cycle: HEARTBEAT_OBJECTS,
  });
  const statuses = await load({
    method: 'PATCH',
    path: '/api/v1/nodes/hb-{i}/status',
    headers: { ...headers, 'content-type': 'application/strategic-merge-patch+json' },
    body: JSON.stringify({ status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: '{now}' }] } }),
    expect: 200,
    total: N,
    cycle: HEARTBEAT_OBJECTS,
  });
  console.log(`Lease renews/s: ${show(renews)}   node status patches/s: ${show(statuses)}   (over ${HEARTBEAT_OBJECTS} objects each; 1,000 nodes at 10 s heartbeats need 100/s of each)`);
}

/** Time from a write's request to the event reaching a client watching over HTTP. */
async function watchLatency(url: string, headers: Record<string, string>): Promise<void> {
  const list = (await (await fetch(`${url}/api/v1/namespaces/default/configmaps?limit=1`, { headers })).json()) as { metadata: { resourceVersion: string } };
  const controller = new AbortController();
  const res = await fetch(`${url}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${list.metadata.resourceVersion}`, { headers, signal: controller.signal });
  const arrivals = new Map<string, number>();
  const waiting = new Map<string, () => void>();
  void (async () => {
    let buf = '';
    const decoder = new TextDecoder();
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const ev = JSON.parse(buf.slice(0, nl)) as { object: { metadata: { name: string } } };
          buf = buf.slice(nl + 1);
          const name = ev.object.metadata.name;
          arrivals.set(name, performance.now());
          waiting.get(name)?.();
        }
      }
    } catch {
      /* aborted */
    }
  })();
  const samples: number[] = [];
  for (let i = 0; i < 300; i++) {
    const name = `lat-${i}`;
    const seen = new Promise<void>((resolve) => waiting.set(name, resolve));
    const started = performance.now();
    const r = await fetch(`${url}/api/v1/namespaces/default/configmaps`, { method: 'POST', headers, body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name } }) });
    await r.arrayBuffer();
    await seen;
    samples.push(arrivals.get(name)! - started);
  }
  controller.abort();
  const s = summary(samples);
  console.log(`write-to-watch latency over ${s.n} writes: p50 ${fmt(s.p50, 1)} ms   p99 ${fmt(s.p99, 1)} ms   max ${fmt(s.max, 1)} ms  (goal p99 < 50 ms)`);
}
