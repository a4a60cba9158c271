import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackend, startTestServer, type TestBackend } from '../../apiserver/test/harness.js';
import type { RunningApiServer } from '../../apiserver/src/index.js';
import { clientCertificate, ensurePki, type Pki } from '../src/pki.js';
import { skiff } from './skiffCli.js';

/**
 * Users with client certificates the cluster CA signed (`skiff certificate create-user`), as
 * kube-apiserver's x509 authenticator takes them: CN the user, O the groups; real kubectl.
 */
describe('client certificate users', () => {
  let dir: string;
  let pki: Pki;
  let backend: TestBackend;
  let server: RunningApiServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-client-certs-'));
    pki = await ensurePki(join(dir, 'cluster'));
    backend = await createBackend('postgres');
    server = await startTestServer(backend, { tls: { cert: readFileSync(pki.certFile, 'utf8'), key: readFileSync(pki.keyFile, 'utf8'), clientCa: pki.caPem } });
  });
  afterAll(async () => {
    await server?.close();
    await backend?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** kubectl with a kubeconfig whose user is `userStanza` (a kubeconfig `users:` entry, as YAML). */
  function kubectlAs(name: string, userStanza: string, args: string[]) {
    const file = join(dir, `${name}.kubeconfig`);
    const cluster = `clusters:\n- name: c\n  cluster:\n    server: ${server.url}\n    certificate-authority-data: ${Buffer.from(pki.caPem).toString('base64')}\n`;
    writeFileSync(file, `apiVersion: v1\nkind: Config\n${cluster}users:\n${userStanza}contexts:\n- name: c\n  context: {cluster: c, user: ${name}}\ncurrent-context: c\n`);
    return new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
      execFile('kubectl', args, { env: { ...process.env, KUBECONFIG: file }, timeout: 60_000 }, (err, stdout, stderr) => done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })),
    );
  }
  const stanza = (name: string, cert: string, key: string) =>
    `- name: ${name}\n  user:\n    client-certificate-data: ${Buffer.from(cert).toString('base64')}\n    client-key-data: ${Buffer.from(key).toString('base64')}\n`;

  it('authenticates the subject of a certificate `skiff certificate create-user` made, and RBAC decides the rest', async () => {
    const made = await skiff(['certificate', 'create-user', 'alice', '--group', 'devs', '--group', 'qa', '--days', '1', '--data-dir', join(dir, 'cluster')]);
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toMatch(/^- name: alice\n {2}user:\n {4}client-certificate-data: \S+\n {4}client-key-data: \S+\n$/);

    const who = await kubectlAs('alice', made.stdout, ['auth', 'whoami', '-o', 'json']);
    expect(who.code, who.stderr).toBe(0);
    expect(JSON.parse(who.stdout).status.userInfo).toEqual({ username: 'alice', groups: ['devs', 'qa', 'system:authenticated'] });

    const pods = await kubectlAs('alice', made.stdout, ['get', 'pods']);
    expect(pods.code).not.toBe(0);
    expect(pods.stderr).toContain('pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "default"');
  });

  it('refuses a certificate of another CA, and the CA\'s server certificate (not for client authentication)', async () => {
    const stranger = await ensurePki(join(dir, 'elsewhere'));
    const foreign = clientCertificate(join(dir, 'elsewhere'), 'mallory', ['system:masters'], 1);
    expect(stranger.caPem).not.toBe(pki.caPem);
    const refused = await kubectlAs('mallory', stanza('mallory', foreign.certPem, foreign.keyPem), ['get', 'secrets', '-A']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('Unauthorized');

    const serverCert = stanza('server', readFileSync(pki.certFile, 'utf8'), readFileSync(pki.keyFile, 'utf8'));
    const asServer = await kubectlAs('server', serverCert, ['get', 'secrets', '-A']);
    expect(asServer.code).not.toBe(0);
    expect(asServer.stderr).toContain('Unauthorized');
  });
});
