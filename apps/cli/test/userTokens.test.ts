import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOKEN_NAMESPACE } from '@skiff/apimachinery';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, useTestServer } from '../../apiserver/test/harness.js';
import { skiffWith, writeAdminKubeconfig } from './skiffCli.js';

/** `skiff token create-user` / `revoke` as an admin runs them, against a real API server. */
describe('skiff token create-user and revoke', () => {
  const t = useTestServer();
  let dir: string;
  let kubeconfig: string;

  const skiff = skiffWith(() => kubeconfig);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-usertoken-'));
    kubeconfig = join(dir, 'kubeconfig');
    writeAdminKubeconfig(kubeconfig, t.server.url);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('mints a token that authenticates as the user in its groups, stores only its hash, and stops working once revoked', async () => {
    const created = await skiff(['token', 'create-user', 'frank', '--group', 'team', '--group', 'ops']);
    expect(created.code).toBe(0);
    const match = /^- name: frank\n {2}user:\n {4}token: (\S+)\n$/.exec(created.stdout);
    expect(match).not.toBeNull();
    const token = match![1];

    const asFrank = api(t.server, token);
    const who = await asFrank('POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
    expect(who.status).toBe(201);
    expect(who.json.status.userInfo).toEqual({ username: 'frank', groups: ['team', 'ops', 'system:authenticated'] });

    const secrets = await t.call('GET', `/api/v1/namespaces/${TOKEN_NAMESPACE}/secrets?labelSelector=skiff.dev/user=frank`);
    expect(secrets.json.items).toHaveLength(1);
    const data = secrets.json.items[0].data as Record<string, string>;
    expect(Object.keys(data).sort()).toEqual(['groups', 'tokenHash', 'user']);
    expect(JSON.stringify(secrets.json.items[0])).not.toContain(Buffer.from(token).toString('base64'));

    // Frank is authenticated, not authorized: no binding names him.
    const pods = await asFrank('GET', '/api/v1/namespaces/default/pods');
    expect(pods.status).toBe(403);
    expect(pods.json.message).toBe('pods is forbidden: User "frank" cannot list resource "pods" in API group "" in the namespace "default"');

    const revoked = await skiff(['token', 'revoke', 'frank']);
    expect(revoked.stdout).toBe('1 token of frank revoked\n');
    // The API server remembers a token's answer for a few seconds.
    const deadline = Date.now() + 15_000;
    while ((await asFrank('GET', '/api')).status !== 401) {
      if (Date.now() > deadline) throw new Error('the revoked token still authenticates');
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await skiff(['token', 'revoke', 'frank'])).code).toBe(1);
  });
});
