/**
 * A focused probe of the status page's first paint: the built page (apps/status-page/dist) served
 * with a synthetic snapshot (APPS Applications, each a Deployment, a ReplicaSet and PODS/APPS pods,
 * compacted as the API server compacts them), opened in Chromium; prints the snapshot's size, the
 * first paint (same condition as the GitOps scale bench) and, with PROBE_PROFILE=file, a CPU profile.
 *   APPS=1000 PODS=10000 npx tsx bench/statusPageProbe.ts
 */
import { createServer } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { pino } from 'pino';
import { RESOURCE_TYPES } from '@skiff/apimachinery';
import { createTestDatabase } from '@skiff/store';
import { startApiServer } from '@skiff/apiserver';
import { compactForStatus } from '../apps/apiserver/src/statusObjects.js'; // not exported by @skiff/apiserver

const APPS = Number(process.env.APPS ?? 1000);
const PODS = Number(process.env.PODS ?? 10000);
const RUNS = Number(process.env.RUNS ?? 3);
const DIST = fileURLToPath(new URL('../apps/status-page/dist/', import.meta.url));
const NS = 'default';
const now = new Date().toISOString();
const appName = (i: number) => `app-${String(i).padStart(4, '0')}`;
const items: any[] = [];
for (let i = 0; i <= APPS; i++) {
  const name = i === APPS ? 'lone' : appName(i);
  const sha = (i * 2654435761).toString(16).padStart(40, 'a').slice(0, 40);
  items.push({ apiVersion: 'skiff.dev/v1', kind: 'Application', metadata: { name, namespace: NS, uid: `u-app-${i}`, resourceVersion: String(1000 + i), generation: 1, creationTimestamp: now },
    spec: { source: { repoURL: 'file:///tmp/mono.git', path: `apps/${name}`, targetRevision: 'main' }, destination: { namespace: NS }, syncPolicy: { automated: { prune: true } } },
    status: { sync: { status: 'Synced', revision: sha }, health: { status: 'Healthy' }, reconciledAt: now,
      operationState: { phase: 'Succeeded', message: 'synced', startedAt: now, finishedAt: now, revision: sha, syncResult: { revision: sha, resources: [{ group: 'apps', version: 'v1', kind: 'Deployment', namespace: NS, name: `${name}-web`, status: 'Synced', message: 'deployment.apps/web configured', syncPhase: 'Sync' }] } },
      history: [1, 2, 3].map((id) => ({ id, revision: sha, message: `${name}: ${id}`, author: 'bench <bench@example.com>', deployedAt: now, healthy: true, changes: `--- a/apps/${name}/deploy.yaml\n+++ b/apps/${name}/deploy.yaml\n@@ -1,5 +1,5 @@\n-  replicas: ${id}\n+  replicas: ${id + 1}\n` })),
      resources: [{ group: 'apps', version: 'v1', kind: 'Deployment', namespace: NS, name: `${name}-web`, status: 'Synced', health: { status: 'Healthy' } }] } });
  items.push({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `${name}-web`, namespace: NS, uid: `u-d-${i}`, resourceVersion: '1', generation: 1, creationTimestamp: now, annotations: { 'skiff.dev/tracking-id': `${NS}/${name}:apps/Deployment:${NS}/${name}-web`, 'deployment.kubernetes.io/revision': '1' } },
    spec: { replicas: 1, selector: { matchLabels: { app: name } }, strategy: { type: 'RollingUpdate' }, template: { spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] } } },
    status: { observedGeneration: 1, replicas: 1, readyReplicas: 1, availableReplicas: 1, updatedReplicas: 1 } });
  if (i === APPS) continue;
  const perApp = Math.ceil(PODS / APPS);
  items.push({ apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: `${name}-web-1`, namespace: NS, uid: `u-rs-${i}`, resourceVersion: '1', creationTimestamp: now, labels: { app: name }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: `${name}-web`, uid: `u-d-${i}`, controller: true }] },
    spec: { replicas: perApp }, status: { replicas: perApp, readyReplicas: perApp } });
}
for (let k = 0; k < PODS; k++) {
  const i = k % APPS;
  const name = appName(i);
  items.push({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `${name}-web-1-${String(Math.floor(k / APPS)).padStart(3, '0')}`, namespace: NS, uid: `u-p-${k}-0000-0000-0000-000000000000`, resourceVersion: String(5000 + k), creationTimestamp: now, labels: { app: name }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${name}-web-1`, uid: `u-rs-${i}`, controller: true }] },
    spec: { nodeName: `node-${k % 100}`, containers: [{ name: 'web', image: 'nginx:1.27' }] },
    status: { phase: 'Running', podIP: `10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`, startTime: now, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: now }], containerStatuses: [{ name: 'web', ready: true, restartCount: 0, image: 'nginx:1.27', imageID: '', started: true, state: { running: { startedAt: now } } }] } });
}
const compact = items.map((o) => compactForStatus(o));
const bytesByKind = new Map<string, number>();
for (const o of compact) bytesByKind.set(o.kind, (bytesByKind.get(o.kind) ?? 0) + JSON.stringify(o).length);
console.log(`bytes by kind: ${[...bytesByKind].map(([k, n]) => `${k} ${(n / 2 ** 20).toFixed(2)} MiB`).join(', ')}; a pod: ${JSON.stringify(compact.find((o) => o.kind === 'Pod'))}`);
let t = performance.now();
const snapshot = `event: snapshot\ndata: ${JSON.stringify({ items: compact })}\n\n`;
console.log(`snapshot: ${compact.length} objects, ${(snapshot.length / 2 ** 20).toFixed(2)} MiB, encoded in ${(performance.now() - t).toFixed(0)} ms`);

const types: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
const server = createServer((req, res) => {
  const path = req.url!.split('?')[0];
  if (path === '/status/stream') {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    res.write('retry: 2000\n\n');
    res.write(snapshot);
    return;
  }
  try {
    const file = join(DIST, path === '/' ? 'index.html' : path);
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
let url = `http://127.0.0.1:${(server.address() as { port: number }).port}/`;
// REAL=1: a real API server on a fresh database holds the objects; its stream serves the page.
const db = process.env.REAL ? await createTestDatabase() : undefined;
const api = db ? await startApiServer({ databaseUrl: db.url, port: 0, logger: pino({ level: 'silent' }) }) : undefined;
if (api) {
  t = performance.now();
  let next = 0;
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < items.length) {
      const o = items[next++];
      const rt = RESOURCE_TYPES.find((r) => r.kind === o.kind)!;
      await api.store.create({ group: rt.group, resource: rt.resource, namespace: NS, name: o.metadata.name }, o);
    }
  }));
  console.log(`stored ${items.length} objects in ${(performance.now() - t).toFixed(0)} ms`);
  url = `${api.url}/`;
}
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  for (let run = 0; run < RUNS; run++) {
    const page = await browser.newPage();
    const cdp = await page.context().newCDPSession(page);
    const profile = process.env.PROBE_PROFILE && run === RUNS - 1;
    if (profile) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
      await cdp.send('Profiler.start');
    }
    await page.goto(url);
    const want = `${APPS + 1} apps · ${PODS} pods`;
    const h = await page.waitForFunction((w) => {
      const doc = (globalThis as unknown as { document: { getElementById(id: string): { textContent: string | null } | null; querySelector(s: string): unknown } }).document;
      const counts = doc.getElementById('counts')?.textContent ?? '';
      const card = doc.querySelector('[data-testid="app-default-app-0000"] [data-testid="app-sync"]');
      return counts.startsWith(w) && card ? performance.now() : false;
    }, want, { polling: 'raf', timeout: 60_000 });
    const ms = (await h.jsonValue()) as number;
    const marks = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => `${e.name.replace(/^.*\//, '')} ${(e as unknown as { responseStart: number }).responseStart.toFixed(0)}..${(e as unknown as { responseEnd: number }).responseEnd.toFixed(0)}`).join('; '));
    const pm = await page.evaluate(() => performance.getEntriesByType('mark').map((m) => `${m.name} ${m.startTime.toFixed(0)}`).join(', '));
    console.log(`  marks: ${pm}`);
    console.log(`run ${run}: first paint ${ms.toFixed(0)} ms  (${marks})`);
    if (profile) {
      const { profile: p } = await cdp.send('Profiler.stop');
      writeFileSync(process.env.PROBE_PROFILE!, JSON.stringify(p));
      summarise(p);
    }
    await page.close();
  }
} finally {
  await browser.close();
  server.close();
  await api?.close();
  await db?.drop();
}

function summarise(p: any): void {
  const self = new Map<string, number>();
  const byId = new Map<number, any>(p.nodes.map((n: any) => [n.id, n]));
  const dt: number[] = p.timeDeltas;
  p.samples.forEach((id: number, i: number) => {
    const n = byId.get(id);
    const f = n.callFrame;
    const key = `${f.functionName || '(anon)'} ${f.url.replace(/^.*\//, '')}:${f.lineNumber}`;
    self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0) / 1000);
  });
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 25)) console.log(`  ${v.toFixed(0).padStart(6)} ms  ${k}`);
}
