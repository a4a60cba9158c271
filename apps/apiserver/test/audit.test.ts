import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../src/audit/auditLog.js';
import { ADMIN_TOKEN, api, useTestServer } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-audit-log-'));
const path = join(dir, 'audit.log');

function events(): AuditEvent[] {
  try {
    return readFileSync(path, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as AuditEvent);
  } catch {
    return [];
  }
}

/** The audit line is written when the response is done, just after the client has it: wait for it. */
async function eventWhere(what: string, match: (e: AuditEvent) => boolean, ms = 5000): Promise<AuditEvent> {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = events().find(match);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no audit event for ${what} within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('audit log (--audit-log-path)', () => {
  const t = useTestServer({ audit: { path, maxSizeMB: 100, maxBackups: 1 } });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('records exec, attach and port-forward upgrades, which the router never sees, with who asked and the answer', async () => {
    const url = new URL(`${t.server.url}/api/v1/namespaces/default/pods/ghost/exec?command=id&stdout=true`);
    const code = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(url, { headers: { authorization: `Bearer ${ADMIN_TOKEN}`, connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' } });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('upgrade', () => reject(new Error('upgraded to a pod that does not exist')));
      req.on('error', reject);
      req.end();
    });
    expect(code).toBe(404);
    const session = await eventWhere('the exec', (e) => e.objectRef?.subresource === 'exec' && e.objectRef.name === 'ghost');
    expect(session).toMatchObject({ user: { username: 'admin' }, objectRef: { resource: 'pods', namespace: 'default', name: 'ghost', subresource: 'exec' }, responseStatus: { code: 404 } });
  });

  it('writes one Metadata-level audit.k8s.io/v1 Event per request, without the request body, mode 0600', async () => {
    const created = await t.call('POST', '/api/v1/namespaces/default/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, stringData: { password: 'body-value-never-logged' } }, 'application/json', { 'user-agent': 'kubectl/v1.32.0 (linux/amd64)', 'x-forwarded-for': '10.1.2.3' });
    expect(created.status).toBe(201);
    const create = await eventWhere('the create', (e) => e.verb === 'create' && e.objectRef?.resource === 'secrets');
    expect(create).toMatchObject({
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: 'Metadata',
      stage: 'ResponseComplete',
      requestURI: '/api/v1/namespaces/default/secrets',
      verb: 'create',
      user: { username: 'admin', groups: ['system:masters', 'system:authenticated'] },
      sourceIPs: ['10.1.2.3', '127.0.0.1'],
      userAgent: 'kubectl/v1.32.0 (linux/amd64)',
      objectRef: { resource: 'secrets', namespace: 'default', apiVersion: 'v1' },
      responseStatus: { metadata: {}, code: 201 },
    });
    expect(create.auditID).toMatch(/^[0-9a-f-]{36}$/);
    expect(create.requestReceivedTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(Date.parse(create.stageTimestamp)).toBeGreaterThanOrEqual(Date.parse(create.requestReceivedTimestamp));

    expect((await t.call('GET', '/apis/apps/v1/namespaces/default/deployments/missing')).status).toBe(404);
    await eventWhere('the failed get', (e) => e.verb === 'get' && e.objectRef?.name === 'missing' && e.objectRef.apiGroup === 'apps' && e.responseStatus.code === 404);

    expect((await api(t.server, null)('GET', '/api/v1/namespaces')).status).toBe(401);
    await eventWhere('the anonymous list', (e) => e.verb === 'list' && e.user.username === 'system:anonymous' && e.responseStatus.code === 401);

    const res = await fetch(`${t.server.url}/api/v1/namespaces/default/secrets/db`, { method: 'DELETE', headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(res.status).toBe(200);
    const auditID = res.headers.get('audit-id');
    expect(auditID).toMatch(/^[0-9a-f-]{36}$/);
    await eventWhere('the delete, under the Audit-Id its response named', (e) => e.verb === 'delete' && e.objectRef?.name === 'db' && e.auditID === auditID);

    const text = readFileSync(path, 'utf8');
    expect(text).not.toContain('body-value-never-logged');
    expect(text).not.toContain(Buffer.from('body-value-never-logged').toString('base64'));
    expect(text).not.toContain(ADMIN_TOKEN);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(new Set(events().map((e) => e.auditID)).size).toBe(events().length);
  });

  it('records a watch when it ends', async () => {
    const controller = new AbortController();
    const res = await fetch(`${t.server.url}/api/v1/namespaces/default/configmaps?watch=true`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, signal: controller.signal });
    expect(res.status).toBe(200);
    controller.abort();
    await eventWhere('the watch', (e) => e.verb === 'watch' && e.objectRef?.resource === 'configmaps');
  });
});
