import { WebSocket } from 'ws';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nodeTokenSecret, type KubeObject } from '@skiff/apimachinery';
import { ApiClient, resourceType } from '@skiff/kube-client';
import { pino } from 'pino';
import { ADMIN_TOKEN, createBackend, startTestServer, type TestBackend } from '../../apiserver/test/harness.js';
import { startNodeAgent, type NodeAgent, type NodeAgentOptions } from '../src/index.js';
import type { IsolationRequest } from '../src/runtime/isolation.js';

export const PODS = resourceType('pods');
export const NODES = resourceType('nodes');
export const CONFIGMAPS = resourceType('configmaps');
export const SECRETS = resourceType('secrets');
export const LEASES = resourceType('leases', 'coordination.k8s.io');
export const EVENTS = resourceType('events');
const NAMESPACES = resourceType('namespaces');

export interface TestCluster {
  url: string;
  admin: ApiClient;
  backend: TestBackend;
  /** Mints a node token (a Secret in kube-system), as `skiff token create-node` does. */
  nodeToken(node: string): Promise<string>;
  close(): Promise<void>;
}

/** An in-process API server on a fresh Postgres database. */
export async function startCluster(serverOpts: Parameters<typeof startTestServer>[1] = {}): Promise<TestCluster> {
  const backend = await createBackend('postgres');
  const api = await startTestServer(backend, serverOpts);
  const admin = new ApiClient({ server: api.url, token: ADMIN_TOKEN, ca: serverOpts.tls?.cert });
  // The agent tests run pods with hostPath volumes and added capabilities in `default`: more than
  // the default PodSecurity level (baseline) allows, so `default` enforces privileged here.
  await admin.patch(NAMESPACES, undefined, 'default', { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } });
  return {
    url: api.url,
    admin,
    backend,
    nodeToken: async (node) => {
      const token = randomBytes(16).toString('hex');
      await admin.create(SECRETS, nodeTokenSecret(token, node));
      return token;
    },
    close: async () => {
      await api.close();
      await backend.dispose();
    },
  };
}

/**
 * `SKIFF_TEST_ISOLATION=none` (or `bubblewrap`) forces the agents the tests start into that mode;
 * unset, they decide as an agent does (`auto`: bubblewrap where the host allows). Tests that pass
 * `isolation` themselves keep it.
 */
export const TEST_ISOLATION: IsolationRequest | undefined = parseTestIsolation(process.env.SKIFF_TEST_ISOLATION);

function parseTestIsolation(v: string | undefined): IsolationRequest | undefined {
  if (!v) return undefined;
  if (v === 'auto' || v === 'bubblewrap' || v === 'none') return v;
  throw new Error(`SKIFF_TEST_ISOLATION must be auto, bubblewrap or none, not ${v}`);
}

/** The `--isolation` flag for agents started as processes (`main.ts`), from SKIFF_TEST_ISOLATION. */
export function isolationArgs(): string[] {
  return TEST_ISOLATION ? ['--isolation', TEST_ISOLATION] : [];
}

export interface TestAgent extends NodeAgent {
  token: string;
  dataDir: string;
}

let nodeCounter = 0;

/** A node agent in this process, with its own node token and data directory. */
export async function startAgent(cluster: TestCluster, overrides: Partial<NodeAgentOptions> = {}): Promise<TestAgent> {
  const nodeName = overrides.nodeName ?? `node-${process.pid}-${++nodeCounter}`;
  const token = overrides.token ?? (await cluster.nodeToken(nodeName));
  const dataDir = overrides.dataDir ?? mkdtempSync(join(tmpdir(), 'skiff-agent-'));
  const agent = await startNodeAgent({
    server: cluster.url,
    token,
    nodeName,
    podCidr: `127.${20 + (process.pid % 200)}.${nodeCounter % 256}.0/24`,
    dataDir,
    heartbeatMs: 500,
    backoffBaseMs: 300,
    backoffMaxMs: 5000,
    logger: pino({ level: process.env.SKIFF_TEST_LOG ?? 'silent' }),
    ...(TEST_ISOLATION ? { isolation: TEST_ISOLATION } : {}),
    ...overrides,
  });
  return { ...agent, token, dataDir };
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export function pod(name: string, nodeName: string, spec: Record<string, unknown>, namespace = 'default'): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, spec: { nodeName, ...spec } };
}

/**
 * A Node.js HTTP server on $POD_IP:$PORT, as a container command. `marker` ends up in its argv so
 * tests can find its processes on the host. It answers `/` with its identity, and `/healthz` with
 * 500 while the file `$SKIFF_ROOT$FLAGS/unready` exists (`$FLAGS` is a volume's mount path). On SIGTERM it logs, notes it in `$FLAGS/sigterm`, and
 * exits 0.
 */
export function httpServerCommand(marker: string, port = 8080): string[] {
  return [
    process.execPath,
    '-e',
    `const http = require('node:http'); const fs = require('node:fs'); const path = require('node:path');
     // $FLAGS names a mount path: under $SKIFF_ROOT, which is the stand-in root without isolation.
     const flags = process.env.FLAGS && path.join(process.env.SKIFF_ROOT || '/', process.env.FLAGS);
     process.on('SIGTERM', () => {
       console.log('got SIGTERM');
       if (flags) fs.writeFileSync(path.join(flags, 'sigterm'), String(Date.now()));
       process.exit(0);
     });
     http.createServer((req, res) => {
       if (req.url === '/healthz' && flags && fs.existsSync(path.join(flags, 'unready'))) { res.statusCode = 500; return res.end('unready'); }
       res.end(JSON.stringify({ pod: process.env.POD_NAME, ip: process.env.POD_IP, pid: process.pid }));
     }).listen(${port}, process.env.POD_IP, () => console.log('listening on ' + process.env.POD_IP + ':${port}'));`,
    marker,
  ];
}

/** Host pids of the container processes whose argv holds `marker` (not bubblewrap or other wrappers around them). */
export function hostPids(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (argv[0] === process.execPath && argv.includes(marker)) {
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.[0];
      if (state !== 'Z') pids.push(Number(entry));
    }
  }
  return pids;
}

export function uniqueMarker(name: string): string {
  return `skiff-test-${name}-${randomBytes(4).toString('hex')}`;
}

export async function getPod(cluster: TestCluster, name: string, namespace = 'default'): Promise<KubeObject> {
  return cluster.admin.get(PODS, namespace, name);
}

export function podStatus(p: KubeObject): any {
  return p.status as any;
}

export function condition(p: KubeObject, type: string): string | undefined {
  return podStatus(p)?.conditions?.find((c: any) => c.type === type)?.status;
}

/**
 * A WebSocket channel session with the agent (exec, attach, port-forward): resolves, when the
 * agent closes it, with the text each channel carried; a refused upgrade rejects with its status
 * and body.
 */
export function agentWebSocketSession(agent: Pick<TestAgent, 'port' | 'token'>, path: string, protocol: string, send: (ws: WebSocket) => void): Promise<Record<number, string>> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${agent.port}${path}`, [protocol], { headers: { authorization: `Bearer ${agent.token}` } });
    const out: Record<number, string> = {};
    ws.on('open', () => send(ws));
    ws.on('message', (m: Buffer) => {
      if (m.length) out[m[0]] = (out[m[0]] ?? '') + m.subarray(1).toString();
    });
    ws.on('close', () => resolve(out));
    ws.on('error', reject);
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d));
      res.on('end', () => reject(new Error(`HTTP ${res.statusCode}: ${body}`)));
    });
  });
}
