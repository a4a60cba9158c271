import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resourceType } from '@skiff/kube-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIGMAPS, PODS, getPod, pod, removeDir, startAgent, startCluster, waitFor, type TestAgent, type TestCluster } from './cluster.js';

const SERVICEACCOUNTS = resourceType('serviceaccounts');
const CA = '-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n';

/**
 * The token volume ServiceAccount admission adds, as kubelet fills it: the pod reads a token bound
 * to it (requested by its node), the cluster CA and its namespace at
 * /var/run/secrets/kubernetes.io/serviceaccount, and finds the API server in
 * KUBERNETES_SERVICE_HOST/PORT. The token authenticates as the ServiceAccount until the pod goes.
 */
describe('the projected ServiceAccount token volume', () => {
  let cluster: TestCluster;
  let agent: TestAgent;
  const scratch = mkdtempSync(join(tmpdir(), 'skiff-satoken-agent-'));

  beforeAll(async () => {
    cluster = await startCluster({ serviceAccountAdmission: true });
    // No controller manager here: the account and the CA ConfigMap its controllers would make.
    await cluster.admin.create(SERVICEACCOUNTS, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'default' } });
    await cluster.admin.create(CONFIGMAPS, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: 'default' }, data: { 'ca.crt': CA } });
    agent = await startAgent(cluster);
  });
  afterAll(async () => {
    await agent?.close({ stopPods: true });
    await cluster?.close();
    removeDir(agent?.dataDir ?? '');
    rmSync(scratch, { recursive: true, force: true });
  });

  it('gives the pod its token, ca.crt, namespace and the API server\'s address; the token dies with the pod', async () => {
    const out = join(scratch, 'seen.json');
    // Where the mounts are: the real paths in a sandbox, under $SKIFF_ROOT for plain processes.
    const script = `const fs = require('fs'); const d = (process.env.SKIFF_ROOT || '') + '/var/run/secrets/kubernetes.io/serviceaccount/';
      const seen = { token: fs.readFileSync(d + 'token', 'utf8'), ca: fs.readFileSync(d + 'ca.crt', 'utf8'), namespace: fs.readFileSync(d + 'namespace', 'utf8'), host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
      fs.writeFileSync((process.env.SKIFF_ROOT || '') + '/out/seen.json', JSON.stringify(seen)); setInterval(() => {}, 1000);`;
    await cluster.admin.create(
      PODS,
      pod('reader', agent.nodeName, {
        terminationGracePeriodSeconds: 1,
        volumes: [{ name: 'out', hostPath: { path: scratch, type: 'Directory' } }],
        containers: [{ name: 'c', image: 'node:20', command: [process.execPath, '-e', script], volumeMounts: [{ name: 'out', mountPath: '/out' }] }],
      }),
    );
    const seen = await waitFor('the pod wrote what it saw', () => {
      try {
        return JSON.parse(readFileSync(out, 'utf8')) as { token: string; ca: string; namespace: string; host?: string; port?: string };
      } catch {
        return undefined;
      }
    }, 60_000);
    const kubernetes = await cluster.admin.get(resourceType('services'), 'default', 'kubernetes');
    const spec = kubernetes.spec as { clusterIP: string; ports: { port: number }[] };
    expect(seen).toMatchObject({ ca: CA, namespace: 'default', host: spec.clusterIP, port: String(spec.ports[0].port) });
    const claims = JSON.parse(Buffer.from(seen.token.split('.')[1], 'base64url').toString());
    const reader = await getPod(cluster, 'reader');
    expect(claims).toMatchObject({ sub: 'system:serviceaccount:default:default', 'kubernetes.io': { pod: { name: 'reader', uid: reader.metadata.uid } } });
    expect(claims.exp - claims.iat).toBe(3607);

    const listPods = () => fetch(`${cluster.url}/api/v1/namespaces/default/pods`, { headers: { authorization: `Bearer ${seen.token}` } });
    const forbidden = await listPods();
    expect(forbidden.status).toBe(403);
    expect(((await forbidden.json()) as { message: string }).message).toContain('User "system:serviceaccount:default:default" cannot list resource "pods"');

    await cluster.admin.delete(PODS, 'default', 'reader', { gracePeriodSeconds: 0 });
    await waitFor('the pod is gone', async () => !(await cluster.admin.list(PODS, { namespace: 'default' })).items.some((p) => p.metadata.name === 'reader'), 30_000);
    expect((await listPods()).status).toBe(401);
  }, 120_000);
});
