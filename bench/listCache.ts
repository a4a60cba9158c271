import { pino } from 'pino';
import { openStore } from '@skiff/store';
import { startApiServer } from '@skiff/apiserver';
import { fmt, rate, summary } from './stats.js';

const TOKEN = 'bench-token';
const PODS = Number(process.env.BENCH_LIST_PODS ?? 10_000);
const NODES = 1_000;
const RUNS = 10;

function pod(i: number) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `pod-${i}`, namespace: `ns-${i % 10}`, labels: { app: `app-${i % 100}`, tier: 'web' } },
    spec: {
      nodeName: `node-${i % NODES}`,
      containers: [{ name: 'app', image: 'registry.example/app:1.0', ports: [{ containerPort: 8080 }], resources: { requests: { cpu: '100m', memory: '64Mi' } } }],
    },
    status: { phase: 'Running', podIP: `10.0.${Math.floor(i / 250)}.${i % 250}`, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

/**
 * A LIST of every pod (10,000 by default) from the watch cache beside the same LIST from an API
 * server without one (each reads Postgres and parses every row), on one database, alternating,
 * plus the one-node field selector a kubelet lists by.
 */
export async function listFromCacheVersusStore(url: string): Promise<void> {
  const store = await openStore({ databaseUrl: url });
  await rate(PODS, 16, (i) => store.create({ group: '', resource: 'pods', namespace: `ns-${i % 10}`, name: `pod-${i}` }, pod(i)));
  await store.close();
  const common = { databaseUrl: url, port: 0, tokens: { [TOKEN]: { name: 'bench', groups: ['system:masters'] } }, logger: pino({ level: 'silent' }) };
  const cached = await startApiServer(common);
  const direct = await startApiServer({ ...common, watchCache: false });
  const headers = { authorization: `Bearer ${TOKEN}` };
  const timeList = async (base: string, query: string, expected: number) => {
    // Until the last byte arrives: the client's own parsing is not the server's time.
    const started = performance.now();
    const res = await fetch(`${base}/api/v1/pods${query}`, { headers });
    const text = await res.text();
    const elapsed = performance.now() - started;
    const body = JSON.parse(text) as { items: unknown[] };
    if (res.status !== 200 || body.items.length !== expected) throw new Error(`LIST ${query}: ${res.status}, ${body.items?.length} items, not ${expected}`);
    return elapsed;
  };
  try {
    for (const [what, query, expected] of [
      [`LIST of ${PODS} pods`, '', PODS],
      ['LIST spec.nodeName=node-7 (a kubelet)', '?fieldSelector=spec.nodeName%3Dnode-7', Math.ceil((PODS - 7) / NODES)],
    ] as const) {
      // The first list fills the cache (and warms both servers); then both are timed, alternating.
      await timeList(cached.url, query, expected);
      await timeList(direct.url, query, expected);
      const fromCache: number[] = [];
      const fromStore: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        fromCache.push(await timeList(cached.url, query, expected));
        fromStore.push(await timeList(direct.url, query, expected));
      }
      const c = summary(fromCache);
      const s = summary(fromStore);
      const goal = query === '' ? '  (goal < 300 ms from the cache)' : '';
      console.log(`${what}, p50 of ${RUNS}: from the watch cache ${fmt(c.p50, 1)} ms   from Postgres ${fmt(s.p50, 1)} ms   ratio ${fmt(s.p50 / c.p50, 2)}x${goal}`);
    }
  } finally {
    await cached.close();
    await direct.close();
  }
}
