import { mkdirSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { join, resolve } from 'node:path';
import { writeKubeconfig } from './kubeconfig.js';
import { appEntry, startProcess, stopProcess, waitFor, type ManagedProcess } from './processes.js';
import { ensureTokens } from './tokens.js';
import { ensurePki } from './pki.js';
import { ApiClient } from '@skiff/kube-client';
import { ensureClusterIdentity, ensureNodeToken } from './cluster.js';

export interface UpOptions {
  dataDir: string;
  port: number;
  nodes: number;
  host: string;
}

/**
 * `skiff up`: the whole local cluster in the foreground. Each component is its own process, its
 * log in DIR/logs; Ctrl-C stops them all.
 */
export async function up(opts: UpOptions): Promise<void> {
  const dataDir = resolve(opts.dataDir);
  const logDir = join(dataDir, 'logs');
  mkdirSync(logDir, { recursive: true });
  const { file: tokenFile, adminToken } = ensureTokens(dataDir);
  const pki = ensurePki(dataDir, opts.host === '0.0.0.0' || opts.host === '127.0.0.1' ? [] : [opts.host]);
  const url = `https://${opts.host === '0.0.0.0' ? '127.0.0.1' : opts.host}:${opts.port}`;
  // Every process Skiff starts trusts the cluster CA (the API server serves HTTPS only).
  const childEnv = { ...process.env, NODE_EXTRA_CA_CERTS: pki.caFile };
  process.env.NODE_EXTRA_CA_CERTS = pki.caFile;
  const processes: ManagedProcess[] = [];
  let stopping = false;

  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('skiff: stopping...');
    await Promise.all([...processes].reverse().map((p) => stopProcess(p)));
    console.log('skiff: stopped');
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  const apiserver = startProcess(
    'apiserver',
    appEntry('@skiff/apiserver/main'),
    ['--data-dir', dataDir, '--host', opts.host, '--port', String(opts.port), '--token-file', tokenFile, '--tls-cert-file', pki.certFile, '--tls-private-key-file', pki.keyFile],
    join(logDir, 'apiserver.log'),
    childEnv,
  );
  processes.push(apiserver);
  apiserver.exited.then((code) => {
    if (!stopping) {
      console.error(`skiff: apiserver exited (code ${code}); see ${apiserver.logFile}`);
      console.error(tail(apiserver.logFile));
      void stopAll(1);
    }
  });

  await waitFor(
    'the API server to be ready',
    async () => (await httpsGet(`${url}/readyz`, pki.caPem)) === 200,
    60_000,
    () => (apiserver.child.exitCode !== null ? `apiserver exited; see ${apiserver.logFile}` : undefined),
  );

  const client = new ApiClient({ server: url, token: adminToken, ca: pki.caPem, userAgent: 'skiff-up' });
  const identity = ensureClusterIdentity(dataDir);
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const queuePrefix = `skiff-${identity.id}`;
  const component = (name: string, specifier: string, args: string[]) => {
    const entry = optionalEntry(specifier);
    if (!entry) return;
    const p = startProcess(name, entry, args, join(logDir, `${name}.log`), childEnv);
    processes.push(p);
    p.exited.then((code) => {
      if (!stopping) console.error(`skiff: ${name} exited (code ${code}); see ${p.logFile}`);
    });
  };
  component('controller-manager', '@skiff/controller-manager/main', ['--server', url, '--token', adminToken, '--redis-url', redisUrl, '--queue-prefix', queuePrefix, '--node-monitor-grace-ms', '6000', '--pod-eviction-timeout-ms', '5000']);
  component('scheduler', '@skiff/scheduler/main', ['--server', url, '--token', adminToken, '--redis-url', redisUrl, '--queue-prefix', queuePrefix]);
  if (optionalEntry('@skiff/node-agent/main')) {
    for (let i = 1; i <= opts.nodes; i++) {
      const node = `node-${i}`;
      const token = await ensureNodeToken(client, dataDir, node);
      component(node, '@skiff/node-agent/main', [
        '--server', url, '--token', token, '--node-name', node,
        '--pod-cidr', `127.${identity.podOctet}.${i}.0/24`,
        '--data-dir', join(dataDir, 'nodes', node), '--heartbeat-ms', '1000',
      ]);
    }
  }

  const kubeconfig = join(dataDir, 'kubeconfig');
  writeKubeconfig(kubeconfig, url, adminToken, pki.caPem);
  console.log(`skiff: cluster is up (data dir ${dataDir}, logs in ${logDir})`);
  console.log(`API server: ${url}`);
  console.log(`status page: ${url}/`);
  console.log(`kubeconfig: ${kubeconfig}`);
  console.log(`  try: KUBECONFIG=${kubeconfig} kubectl get namespaces`);
}

/** The entry point of an app that may not be part of this checkout yet. */
function optionalEntry(specifier: string): string | undefined {
  try {
    return appEntry(specifier);
  } catch {
    return undefined;
  }
}

function httpsGet(url: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = https.get(url, { ca, timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
