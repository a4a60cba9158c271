import { beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, api, configMap, useTestServer } from './harness.js';

const FLOODER = 'flooder-token';
const NODE = 'node-token';

describe('API priority and fairness: a flooding client gets 429s, a node heartbeat is answered meanwhile', () => {
  const t = useTestServer({
    // Three seats in all: one per level here, and short queues, so 40 requests at once overflow.
    flowControl: { maxRequestsInflight: 2, maxMutatingRequestsInflight: 1, queueLengthLimit: 5, queueTimeoutMs: 2_000 },
    tokens: {
      [ADMIN_TOKEN]: { name: 'admin', groups: ['system:masters'] },
      [FLOODER]: { name: 'flooder', groups: ['system:authenticated'] },
      [NODE]: { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] },
    },
  });

  beforeAll(async () => {
    // The flooder may create ConfigMaps (RBAC): its requests are real writes that hold their seat.
    const binding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'flooder-edit' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'flooder' }] };
    expect((await api(t.server, ADMIN_TOKEN)('POST', '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings', binding)).status).toBe(201);
  });

  it('the flood is refused with 429 and Retry-After, in the Status shape; the node and the admin are served; nothing is half-written', async () => {
    const flooder = api(t.server, FLOODER);
    const node = api(t.server, NODE);
    const admin = api(t.server, ADMIN_TOKEN);
    const flood = Array.from({ length: 40 }, (_, i) => flooder('POST', '/api/v1/namespaces/default/configmaps', configMap(`flood-${i}`)));
    // While the flood is queued: the node's heartbeat-sized requests, each timed.
    const nodeTimes: number[] = [];
    const nodeCodes: number[] = [];
    for (let i = 0; i < 5; i++) {
      const start = performance.now();
      const r = await node('GET', '/api/v1/nodes/n1');
      nodeTimes.push(performance.now() - start);
      nodeCodes.push(r.status);
    }
    const results = await Promise.all(flood);
    const refused = results.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0].headers.get('retry-after')).toBe('1');
    expect(refused[0].json).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'TooManyRequests', code: 429, message: 'Too many requests, please try again later.', details: { retryAfterSeconds: 1 } });
    // Nothing but 429 or the object created.
    expect(results.every((r) => r.status === 429 || r.status === 201)).toBe(true);
    // The node is never refused for the flood: its own level's seats (404: the node does not exist here).
    expect(nodeCodes.every((c) => c !== 429)).toBe(true);
    expect(Math.max(...nodeTimes)).toBeLessThan(1_000);
    // Each accepted create is stored whole; each refused one not at all.
    const stored = (await admin('GET', '/api/v1/namespaces/default/configmaps')).json.items.map((c: { metadata: { name: string } }) => c.metadata.name).filter((n: string) => n.startsWith('flood-'));
    const created = results.flatMap((r, i) => (r.status === 201 ? [`flood-${i}`] : []));
    expect(stored.sort()).toEqual(created.sort());
  });

  it('watches hold no seat: more watches than seats, and requests still pass', async () => {
    const controller = new AbortController();
    const watches = Array.from({ length: 6 }, () => fetch(`${t.server.url}/api/v1/namespaces/default/configmaps?watch=true`, { headers: { authorization: `Bearer ${FLOODER}` }, signal: controller.signal }).catch(() => undefined));
    try {
      const started = await Promise.all(watches);
      expect(started.every((r) => r === undefined || r.status !== 429)).toBe(true);
      const r = await api(t.server, FLOODER)('GET', '/api/v1/namespaces/default/configmaps');
      expect(r.status).not.toBe(429);
    } finally {
      controller.abort();
    }
  });
});
