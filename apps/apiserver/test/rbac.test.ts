import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, createBackend, kubectlFor, selfSignedCert, startTestServer, type TestBackend } from './harness.js';
import type { RunningApiServer } from '../src/index.js';

/**
 * ServiceAccounts and the RBAC kinds are served and stored as kube-apiserver does, so kubectl's
 * typed `create` commands (protobuf), `get` columns and validation behave as against Kubernetes.
 * Nothing here is authorized by them: the test runs as the admin.
 */
describe('kubectl and the ServiceAccount and RBAC kinds', () => {
  let backend: TestBackend;
  let server: RunningApiServer;
  let dir: string;
  let run: ReturnType<typeof kubectlFor>;
  let cert: string;

  /** A raw POST as the admin over TLS, trusting the test's certificate, for the status code kubectl does not show. */
  function post(path: string, body: unknown): Promise<{ status: number; json: any }> {
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, server.url), { method: 'POST', ca: cert, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-rbac-kubectl-'));
    const tls = selfSignedCert(dir);
    cert = tls.cert;
    backend = await createBackend('postgres');
    server = await startTestServer(backend, { tls });
    run = kubectlFor(dir, server, tls.cert);
    expect((await run(['create', 'namespace', 'team'])).code).toBe(0);
  });
  afterAll(async () => {
    await server?.close();
    await backend?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('lists the kinds in discovery', async () => {
    const rbac = await run(['api-resources', '--api-group=rbac.authorization.k8s.io']);
    expect(rbac.out).toMatch(/^clusterrolebindings\s+rbac.authorization.k8s.io\/v1\s+false\s+ClusterRoleBinding/m);
    expect(rbac.out).toMatch(/^clusterroles\s+rbac.authorization.k8s.io\/v1\s+false\s+ClusterRole/m);
    expect(rbac.out).toMatch(/^rolebindings\s+rbac.authorization.k8s.io\/v1\s+true\s+RoleBinding/m);
    expect(rbac.out).toMatch(/^roles\s+rbac.authorization.k8s.io\/v1\s+true\s+Role/m);
    expect((await run(['api-resources', '--api-group='])).out).toMatch(/^serviceaccounts\s+sa\s+v1\s+true\s+ServiceAccount/m);
  });

  it('creates a service account, a role and a binding with kubectl create, and prints them as Kubernetes does', async () => {
    const sa = await run(['create', 'serviceaccount', 'ci', '-n', 'team']);
    expect(sa.out).toBe('serviceaccount/ci created\n');
    expect((await run(['get', 'sa', 'ci', '-n', 'team'])).out).toMatch(/^NAME\s+SECRETS\s+AGE\s*\nci\s+0\s+\d+s\s*$/);

    const role = await run(['create', 'role', 'pod-reader', '--verb=get', '--verb=list', '--resource=pods', '-n', 'team']);
    expect(role.out).toBe('role.rbac.authorization.k8s.io/pod-reader created\n');
    const stored = JSON.parse((await run(['get', 'role', 'pod-reader', '-n', 'team', '-o', 'json'])).stdout);
    expect(stored.rules).toEqual([{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }]);
    expect((await run(['get', 'roles', '-n', 'team'])).out).toMatch(/^NAME\s+CREATED AT\s*\npod-reader\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\s*$/);

    const binding = await run(['create', 'rolebinding', 'ci-reads', '--role=pod-reader', '--serviceaccount=team:ci', '--user=alice', '-n', 'team']);
    expect(binding.out).toBe('rolebinding.rbac.authorization.k8s.io/ci-reads created\n');
    const rb = JSON.parse((await run(['get', 'rolebinding', 'ci-reads', '-n', 'team', '-o', 'json'])).stdout);
    expect(rb.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' });
    expect(rb.subjects).toEqual([
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' },
      { kind: 'ServiceAccount', name: 'ci', namespace: 'team' },
    ]);
    expect((await run(['get', 'rolebindings', '-n', 'team'])).out).toMatch(/^NAME\s+ROLE\s+AGE\s*\nci-reads\s+Role\/pod-reader\s+\d+s\s*$/);
    expect((await run(['get', 'rolebindings', '-n', 'team', '-o', 'wide'])).out).toMatch(/^NAME\s+ROLE\s+AGE\s+USERS\s+GROUPS\s+SERVICEACCOUNTS\s*\nci-reads\s+Role\/pod-reader\s+\d+s\s+alice\s+team\/ci\s*$/);
  });

  it('creates a cluster role with a non-resource URL and a cluster role binding', async () => {
    expect((await run(['create', 'clusterrole', 'health-reader', '--verb=get', '--non-resource-url=/healthz'])).out).toBe('clusterrole.rbac.authorization.k8s.io/health-reader created\n');
    // Logged at -v=8: the typed client sends the binding as protobuf, which the kind's message decodes.
    const crb = await run(['create', 'clusterrolebinding', 'ops-health', '--clusterrole=health-reader', '--group=ops', '--serviceaccount=team:ci', '-v=8']);
    expect(crb.stdout).toBe('clusterrolebinding.rbac.authorization.k8s.io/ops-health created\n');
    expect(crb.stderr).toMatch(/Content-Type: application\/vnd\.kubernetes\.protobuf/);
    expect((await run(['get', 'clusterrole', 'health-reader'])).out).toMatch(/^NAME\s+CREATED AT\s*\nhealth-reader\s+\S+Z\s*$/);
    expect((await run(['get', 'clusterrolebinding', 'ops-health', '-o', 'wide'])).out).toMatch(/^NAME\s+ROLE\s+AGE\s+USERS\s+GROUPS\s+SERVICEACCOUNTS\s*\nops-health\s+ClusterRole\/health-reader\s+\d+s\s+ops\s+team\/ci\s*$/);
    const explained = await run(['explain', 'clusterrolebinding.subjects']);
    expect(explained.code).toBe(0);
    expect(explained.out).toMatch(/FIELD: subjects <\[\]Subject>/);
  });

  it('refuses an invalid binding with a 422 naming the field', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata:
  name: bad
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: pod-reader
subjects:
- kind: ServiceAccount
  name: ci
`,
    );
    const applied = await run(['apply', '-f', file]);
    expect(applied.code).not.toBe(0);
    expect(applied.stderr).toContain('The ClusterRoleBinding "bad" is invalid:');
    expect(applied.stderr).toContain('roleRef.kind: Unsupported value: "Role": supported values: "ClusterRole"');
    expect(applied.stderr).toContain('subjects[0].namespace: Required value');

    const res = await post('/apis/rbac.authorization.k8s.io/v1/namespaces/team/rolebindings', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'robot' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pod-reader' },
      subjects: [{ kind: 'Robot', name: 'r2' }],
    });
    expect(res.status).toBe(422);
    expect(res.json).toMatchObject({ kind: 'Status', reason: 'Invalid', code: 422, details: { name: 'robot', group: 'rbac.authorization.k8s.io', kind: 'RoleBinding' } });
    expect(res.json.details.causes).toEqual([{ reason: 'FieldValueNotSupported', field: 'subjects[0].kind', message: 'Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"' }]);
    expect((await run(['get', 'clusterrolebinding', 'bad'])).code).not.toBe(0);
  });

  it('refuses a change of roleRef, and applies and deletes like any object', async () => {
    const patched = await run(['patch', 'rolebinding', 'ci-reads', '-n', 'team', '--type=merge', '-p', '{"roleRef":{"name":"pod-writer"}}']);
    expect(patched.code).not.toBe(0);
    expect(patched.stderr).toContain('roleRef: Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", Kind:"Role", Name:"pod-writer"}: cannot change roleRef');

    const file = join(dir, 'sa.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: deployer\n  namespace: team\nautomountServiceAccountToken: false\nimagePullSecrets:\n- name: registry\n');
    expect((await run(['apply', '--validate=strict', '-f', file])).out).toBe('serviceaccount/deployer created\n');
    expect((await run(['apply', '--validate=strict', '-f', file])).out).toBe('serviceaccount/deployer unchanged\n');
    const sa = JSON.parse((await run(['get', 'sa', 'deployer', '-n', 'team', '-o', 'json'])).stdout);
    expect(sa).toMatchObject({ automountServiceAccountToken: false, imagePullSecrets: [{ name: 'registry' }] });
    expect((await run(['delete', '-f', file])).out).toBe('serviceaccount "deployer" deleted\n');
    expect((await run(['delete', 'rolebinding', 'ci-reads', '-n', 'team'])).out).toBe('rolebinding.rbac.authorization.k8s.io "ci-reads" deleted\n');
  });
});
