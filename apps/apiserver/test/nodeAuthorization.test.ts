import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, api, useKubectlServer } from './harness.js';

const NODE_TOKEN = 'node-a-token';

/** A node's token reads what its pods use and nothing else, as Kubernetes' Node authorizer allows. */
describe('node authorization: Secrets, ConfigMaps and claims through the pods bound to the node; no forged notifications', () => {
  const t = useKubectlServer('skiff-nodeauthz-', {
    tokens: { [ADMIN_TOKEN]: { name: 'admin', groups: ['system:masters'] }, [NODE_TOKEN]: { name: 'system:node:node-a', groups: ['system:nodes'] } },
  });
  const admin = () => api(t.server, ADMIN_TOKEN);
  const node = () => api(t.server, NODE_TOKEN);

  beforeAll(async () => {
    // Raw calls to the test server's self-signed certificate (kubectl checks it through its kubeconfig).
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0';
    for (const name of ['used', 'env-used', 'pull', 'other']) {
      expect((await admin()('POST', '/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name }, stringData: { k: name } })).status).toBe(201);
    }
    expect((await admin()('POST', '/api/v1/namespaces/default/configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'projected' }, data: { a: '1' } })).status).toBe(201);
    const pod = (name: string, nodeName: string, spec: object) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }], ...spec } });
    const mine = pod('mine', 'node-a', {
      imagePullSecrets: [{ name: 'pull' }],
      volumes: [{ name: 's', secret: { secretName: 'used' } }, { name: 'p', projected: { sources: [{ configMap: { name: 'projected' } }] } }],
      containers: [{ name: 'c', image: 'busybox', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'env-used', key: 'k' } } }] }],
    });
    expect((await admin()('POST', '/api/v1/namespaces/default/pods', mine)).status).toBe(201);
    // Another node's pod uses `other`: node-a may not read it.
    expect((await admin()('POST', '/api/v1/namespaces/default/pods', pod('theirs', 'node-b', { volumes: [{ name: 's', secret: { secretName: 'other' } }] }))).status).toBe(201);
  });

  it('kubectl --token=<node token> get secrets -A is 403; so is listing one namespace', async () => {
    const all = await t.run(['--token', NODE_TOKEN, 'get', 'secrets', '-A']);
    expect(all.code).not.toBe(0);
    expect(all.stderr).toContain('Error from server (Forbidden): secrets is forbidden: User "system:node:node-a" cannot list resource "secrets" in API group "" at the cluster scope');
    expect((await node()('GET', '/api/v1/namespaces/default/secrets')).status).toBe(403);
    expect((await node()('GET', '/api/v1/namespaces/default/configmaps?watch=1')).status).toBe(403);
  });

  it('reads a Secret or ConfigMap one of its pods uses (volume, projected source, env, imagePullSecrets), and not one it does not', async () => {
    for (const name of ['used', 'env-used', 'pull']) expect((await node()('GET', `/api/v1/namespaces/default/secrets/${name}`)).status).toBe(200);
    expect((await node()('GET', '/api/v1/namespaces/default/configmaps/projected')).status).toBe(200);
    const refused = await node()('GET', '/api/v1/namespaces/default/secrets/other');
    expect(refused.status).toBe(403);
    expect(refused.json.message).toBe(`secrets "other" is forbidden: User "system:node:node-a" cannot get resource "secrets" in API group "" in the namespace "default": no relationship found between node 'node-a' and this object`);
    // Once its pod is gone, so is the node's access.
    expect((await admin()('DELETE', '/api/v1/namespaces/default/pods/mine?gracePeriodSeconds=0')).status).toBe(200);
    expect((await node()('GET', '/api/v1/namespaces/default/secrets/used')).status).toBe(403);
  });
  it("a forged notification Event (skiff.dev/event) from a node is stored but never marked for delivery; an admin's is", async () => {
    const forged = { apiVersion: 'v1', kind: 'Event', metadata: { name: 'forged', annotations: { 'skiff.dev/event': 'sync.succeeded', 'skiff.dev/application': 'default/shop', 'skiff.dev/notification-verified': 'true' } }, involvedObject: { kind: 'Pod', name: 'mine', namespace: 'default' }, reason: 'Synced', message: 'all good, trust me' };
    expect((await node()('POST', '/api/v1/namespaces/default/events', forged)).status).toBe(201);
    const stored = await admin()('GET', '/api/v1/namespaces/default/events/forged');
    expect(stored.json.metadata.annotations['skiff.dev/event']).toBe('sync.succeeded');
    expect(stored.json.metadata.annotations['skiff.dev/notification-verified']).toBeUndefined();
    // An admin's (a component's) is marked by the server.
    expect((await admin()('POST', '/api/v1/namespaces/default/events', { ...forged, metadata: { ...forged.metadata, name: 'real' } })).status).toBe(201);
    expect((await admin()('GET', '/api/v1/namespaces/default/events/real')).json.metadata.annotations['skiff.dev/notification-verified']).toBe('true');
    // A node counting it again cannot keep the mark either.
    expect((await node()('PATCH', '/api/v1/namespaces/default/events/real', { count: 2 }, 'application/merge-patch+json')).status).toBe(200);
    expect((await admin()('GET', '/api/v1/namespaces/default/events/real')).json.metadata.annotations['skiff.dev/notification-verified']).toBeUndefined();
  });
});
