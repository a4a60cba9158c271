import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEALTH_PROTO } from '../src/probes/grpcProbe.js';
import { EVENTS, PODS, condition, getPod, pod, podStatus, removeDir, startAgent, startCluster, waitFor, type TestAgent, type TestCluster } from './cluster.js';

const require = createRequire(import.meta.url);
/** The node_modules directory that holds @grpc/grpc-js (and, hoisted beside it, its dependencies). */
const NODE_MODULES = dirname(dirname(dirname(require.resolve('@grpc/grpc-js/package.json'))));

/**
 * A gRPC server on $POD_IP:9090, as a container command: grpc.health.v1 answering SERVING for ''
 * and 'app', NOT_SERVING while `$SKIFF_ROOT$FLAGS/unhealthy` exists.
 */
function grpcHealthServerCommand(): string[] {
  return [
    process.execPath,
    '-e',
    `const fs = require('node:fs'); const path = require('node:path');
     // The checkout's node_modules and health.proto, mounted under /deps (a sandbox need not see the
     // checkout itself); node_modules keeps its name so that its packages find each other.
     const modules = path.join(process.env.SKIFF_ROOT || '/', 'deps/node_modules');
     const grpc = require(path.join(modules, '@grpc/grpc-js'));
     const loader = require(path.join(modules, '@grpc/proto-loader'));
     const flags = path.join(process.env.SKIFF_ROOT || '/', process.env.FLAGS);
     const health = grpc.loadPackageDefinition(loader.loadSync(path.join(process.env.SKIFF_ROOT || '/', 'deps/proto', ${JSON.stringify(basename(HEALTH_PROTO))}), { enums: String })).grpc.health.v1.Health;
     const server = new grpc.Server();
     server.addService(health.service, {
       Check(call, done) {
         if (call.request.service !== '' && call.request.service !== 'app') return done({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
         done(null, { status: fs.existsSync(path.join(flags, 'unhealthy')) ? 'NOT_SERVING' : 'SERVING' });
       },
     });
     process.on('SIGTERM', () => process.exit(0));
     server.bindAsync(process.env.POD_IP + ':9090', grpc.ServerCredentials.createInsecure(), (err) => { if (err) throw err; });`,
  ];
}

describe('gRPC probes on process pods', () => {
  let cluster: TestCluster;
  let agent: TestAgent;
  const scratch = mkdtempSync(join(tmpdir(), 'skiff-grpc-'));

  beforeAll(async () => {
    cluster = await startCluster();
    agent = await startAgent(cluster);
  });
  afterAll(async () => {
    await agent?.close({ stopPods: true });
    await cluster?.close();
    removeDir(agent?.dataDir ?? '');
    rmSync(scratch, { recursive: true, force: true });
  });

  function grpcPod(name: string, flags: string, probes: Record<string, unknown>) {
    return pod(name, agent.nodeName, {
      terminationGracePeriodSeconds: 2,
      volumes: [
        { name: 'flags', hostPath: { path: flags, type: 'DirectoryOrCreate' } },
        { name: 'modules', hostPath: { path: NODE_MODULES, type: 'Directory' } },
        { name: 'proto', hostPath: { path: dirname(HEALTH_PROTO), type: 'Directory' } },
      ],
      containers: [{
        name: 'app',
        image: 'node:20',
        command: grpcHealthServerCommand(),
        env: [{ name: 'FLAGS', value: '/flags' }],
        volumeMounts: [{ name: 'flags', mountPath: '/flags' }, { name: 'modules', mountPath: '/deps/node_modules', readOnly: true }, { name: 'proto', mountPath: '/deps/proto', readOnly: true }],
        ...probes,
      }],
    });
  }

  const waitForPod = (name: string, what: string, ok: (p: any) => boolean, timeoutMs = 30_000) =>
    waitFor(`pod ${name}: ${what}`, async () => {
      const p = await getPod(cluster, name);
      return ok(p) ? p : undefined;
    }, timeoutMs);

  async function events(name: string): Promise<string[]> {
    const list = await cluster.admin.list(EVENTS, { namespace: 'default', fieldSelector: `involvedObject.name=${name}` });
    return list.items.map((e: any) => `${e.reason}: ${e.message}`);
  }

  it('is Ready while the health service answers SERVING, and not Ready while it answers NOT_SERVING', async () => {
    const flags = join(scratch, 'ready');
    await cluster.admin.create(PODS, grpcPod('grpc-ready', flags, { readinessProbe: { grpc: { port: 9090, service: 'app' }, periodSeconds: 1, failureThreshold: 1 } }));
    await waitForPod('grpc-ready', 'Ready', (p) => condition(p, 'Ready') === 'True');
    writeFileSync(join(flags, 'unhealthy'), '');
    const notReady = await waitForPod('grpc-ready', 'not Ready', (p) => condition(p, 'Ready') === 'False');
    expect(podStatus(notReady).containerStatuses[0]).toMatchObject({ ready: false, started: true, restartCount: 0 });
    await waitFor('the Unhealthy event', async () => (await events('grpc-ready')).includes('Unhealthy: Readiness probe failed: service unhealthy (responded with "NOT_SERVING")'));
    rmSync(join(flags, 'unhealthy'));
    await waitForPod('grpc-ready', 'Ready again', (p) => condition(p, 'Ready') === 'True');
  });

  it('restarts a container whose gRPC liveness probe names a service the server does not know', async () => {
    const flags = join(scratch, 'unknown');
    await cluster.admin.create(PODS, grpcPod('grpc-unknown', flags, { livenessProbe: { grpc: { port: 9090, service: 'other' }, initialDelaySeconds: 1, periodSeconds: 1, failureThreshold: 2 } }));
    await waitForPod('grpc-unknown', 'restarted', (p) => (podStatus(p)?.containerStatuses?.[0]?.restartCount ?? 0) >= 1);
    expect(await events('grpc-unknown')).toEqual(
      expect.arrayContaining([
        'Unhealthy: Liveness probe failed: error: health rpc probe failed: rpc error: code = NotFound desc = unknown service',
        'Killing: Container app failed liveness probe, will be restarted',
      ]),
    );
  });

  it('fails a startup probe on a port nothing listens on with kubelet\'s connect timeout message', async () => {
    const flags = join(scratch, 'closed');
    await cluster.admin.create(PODS, grpcPod('grpc-closed', flags, { startupProbe: { grpc: { port: 9091 }, periodSeconds: 1, timeoutSeconds: 1, failureThreshold: 30 } }));
    const p = await waitForPod('grpc-closed', 'running', (x) => podStatus(x)?.podIP && podStatus(x)?.containerStatuses?.[0]?.state?.running);
    const ip = podStatus(p).podIP;
    await waitFor('the Unhealthy event', async () => (await events('grpc-closed')).includes(`Unhealthy: Startup probe failed: timeout: failed to connect service "${ip}:9091" within 1s: context deadline exceeded`));
    expect(podStatus(await getPod(cluster, 'grpc-closed')).containerStatuses[0]).toMatchObject({ started: false, ready: false });
  });
});
