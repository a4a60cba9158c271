import { pino } from 'pino';
import { createTestDatabase, openStore } from '@skiff/store';
import { startApiServer } from '@skiff/apiserver';
import { fmt, rate, summary } from './stats.js';
import { rawInsertBody, rawInsertRate } from './rawInsert.js';

const TOKEN = 'bench-token';
const N = Number(process.env.BENCH_N ?? 2000);
const CONCURRENCY = 8;

export async function apiBench(): Promise<void> {
  const db = await createTestDatabase();
  try {
    await storeVersusRawInsert(db.url);
    await apiFigures(db.url);
  } finally {
    await db.drop();
  }
}

/** The store's writes/s beside a raw single-row INSERT on the same Postgres, same concurrency. */
async function storeVersusRawInsert(url: string): Promise<void> {
  const store = await openStore({ databaseUrl: url });
  for (const concurrency of [1, CONCURRENCY]) {
    const tag = `c${concurrency}`;
    const raw = await rawInsertRate(url, N, concurrency, tag);
    const stored = await rate(N, concurrency, (i) => store.create({ group: '', resource: 'configmaps', namespace: 'default', name: `${tag}-s-${i}` }, rawInsertBody(i)));
    console.log(`store writes/s (concurrency ${concurrency}): ${fmt(stored)}   raw INSERT/s: ${fmt(raw)}   ratio: ${fmt(stored / raw, 2)}  (goal >= 0.50)`);
  }
  await store.close();
}

async function apiFigures(url: string): Promise<void> {
  const server = await startApiServer({ databaseUrl: url, port: 0, tokens: { [TOKEN]: { name: 'bench', groups: ['system:masters'] } }, logger: pino({ level: 'silent' }) });
  const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
  const base = `${server.url}/api/v1/namespaces/default/configmaps`;
  const cm = (name: string) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { k: 'v' } });
  const check = async (res: Response, ok: number) => {
    if (res.status !== ok) throw new Error(`unexpected ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
  };
  try {
    const creates = await rate(N, CONCURRENCY, async (i) => check(await fetch(base, { method: 'POST', headers, body: cm(`api-${i}`) }), 201));
    const gets = await rate(N, CONCURRENCY, async (i) => check(await fetch(`${base}/api-${i % N}`, { headers }), 200));
    const lists = await rate(200, CONCURRENCY, async () => check(await fetch(`${base}?limit=100`, { headers }), 200));
    console.log(`API creates/s: ${fmt(creates)}   gets/s: ${fmt(gets)}   lists/s (100 items a page): ${fmt(lists)}`);
    await watchLatency(server.url, headers);
  } finally {
    await server.close();
  }
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
