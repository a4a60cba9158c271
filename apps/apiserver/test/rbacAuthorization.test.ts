import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tokenSecret } from '@skiff/apimachinery';
import { beforeAll, describe, expect, it } from 'vitest';
import { useKubectlServer } from './harness.js';

/**
 * RBAC enforced as kube-apiserver enforces it, driven with the real kubectl: the admin
 * (system:masters) binds users to the default roles and acts as them with `--as`; a user with a
 * token of its own is refused what no binding grants it.
 */
describe('RBAC authorization with kubectl', () => {
  const k = useKubectlServer('skiff-rbac-authz-');
  const DAVE_TOKEN = 'dave-token-0123456789';

  beforeAll(async () => {
    for (const ns of ['team-a', 'team-b']) expect((await k.run(['create', 'namespace', ns])).code).toBe(0);
    expect((await k.run(['create', 'rolebinding', 'alice-edit', '--clusterrole=edit', '--user=alice', '-n', 'team-a'])).code).toBe(0);
    expect((await k.run(['create', 'rolebinding', 'bob-view', '--clusterrole=view', '--user=bob', '-n', 'team-a'])).code).toBe(0);
    expect((await k.run(['create', 'rolebinding', 'carol-admin', '--clusterrole=admin', '--user=carol', '-n', 'team-a'])).code).toBe(0);
    const file = join(k.dir, 'dave.json');
    writeFileSync(file, JSON.stringify(tokenSecret(DAVE_TOKEN, { name: 'dave', groups: [] })));
    expect((await k.run(['apply', '-f', file])).code).toBe(0);
  });

  it('answers kubectl auth can-i from the RoleBinding: edit in team-a, nothing in team-b', async () => {
    expect((await k.run(['auth', 'can-i', 'create', 'deployments', '-n', 'team-a', '--as', 'alice'])).stdout).toBe('yes\n');
    const other = await k.run(['auth', 'can-i', 'create', 'deployments', '-n', 'team-b', '--as', 'alice']);
    expect(other.stdout).toBe('no\n');
    expect(other.code).toBe(1);
    expect((await k.run(['auth', 'can-i', 'get', 'pods/log', '-n', 'team-a', '--as', 'bob'])).stdout).toBe('yes\n');
    expect((await k.run(['auth', 'can-i', 'get', 'secrets', '-n', 'team-a', '--as', 'bob'])).stdout).toBe('no\n');
    // A ServiceAccount is in its groups when impersonated.
    expect((await k.run(['create', 'rolebinding', 'sas-view', '--clusterrole=view', '--group=system:serviceaccounts:team-b', '-n', 'team-b'])).code).toBe(0);
    expect((await k.run(['auth', 'can-i', 'list', 'pods', '-n', 'team-b', '--as', 'system:serviceaccount:team-b:builder'])).stdout).toBe('yes\n');
  });

  it('lets alice create a deployment where she may, and refuses a view user with Kubernetes\' 403', async () => {
    expect((await k.run(['create', 'deployment', 'web', '--image=nginx', '-n', 'team-a', '--as', 'alice'])).out).toBe('deployment.apps/web created\n');
    const refused = await k.run(['create', 'configmap', 'settings', '--from-literal=a=1', '-n', 'team-a', '--as', 'bob']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toBe('error: failed to create configmap: configmaps is forbidden: User "bob" cannot create resource "configmaps" in API group "" in the namespace "team-a"\n');
    const listed = await k.run(['get', 'pods', '-n', 'team-b', '--as', 'bob']);
    expect(listed.stderr).toContain('Error from server (Forbidden): pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "team-b"');
  });

  it('refuses a role or binding that grants more than its author holds, and allows one within it', async () => {
    const role = await k.run(['create', 'role', 'node-reader', '--verb=get', '--resource=nodes', '-n', 'team-a', '--as', 'carol']);
    expect(role.code).not.toBe(0);
    expect(role.stderr).toContain(
      'roles.rbac.authorization.k8s.io "node-reader" is forbidden: user "carol" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["nodes"], Verbs:["get"]}',
    );
    const binding = await k.run(['create', 'rolebinding', 'carol-root', '--clusterrole=cluster-admin', '--user=carol', '-n', 'team-a', '--as', 'carol']);
    expect(binding.code).not.toBe(0);
    expect(binding.stderr).toContain('rolebindings.rbac.authorization.k8s.io "carol-root" is forbidden: user "carol" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}');

    // A malformed role is refused as kube-apiserver's typed decode refuses it, not by a crash of the check.
    const malformed = join(k.dir, 'malformed-role.yaml');
    writeFileSync(malformed, 'apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: odd\n  namespace: team-a\nrules:\n- verbs: get\n');
    const odd = await k.run(['apply', '--validate=false', '-f', malformed, '--as', 'carol']);
    expect(odd.code).not.toBe(0);
    expect(odd.stderr).toContain('Role in version "v1" cannot be handled as a Role: json: cannot unmarshal string into Go struct field PolicyRule.rules.verbs of type []string');

    expect((await k.run(['create', 'role', 'pod-reader', '--verb=get', '--resource=pods', '-n', 'team-a', '--as', 'carol'])).out).toBe('role.rbac.authorization.k8s.io/pod-reader created\n');
    expect((await k.run(['create', 'rolebinding', 'erin-reads', '--role=pod-reader', '--user=erin', '-n', 'team-a', '--as', 'carol'])).code).toBe(0);
    expect((await k.run(['auth', 'can-i', 'get', 'pods', '-n', 'team-a', '--as', 'erin'])).stdout).toBe('yes\n');
    expect((await k.run(['auth', 'can-i', 'list', 'pods', '-n', 'team-a', '--as', 'erin'])).stdout).toBe('no\n');
  });

  it('tells who is asking (auth whoami) and what they may do (can-i --list)', async () => {
    const who = await k.run(['auth', 'whoami', '--as', 'alice', '--as-group', 'team']);
    expect(who.stdout).toMatch(/^ATTRIBUTE\s+VALUE\nUsername\s+alice\nGroups\s+\[team system:authenticated\]\n$/);
    const list = await k.run(['auth', 'can-i', '--list', '-n', 'team-a', '--as', 'alice']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs/);
    expect(list.stdout).toMatch(/^deployments\.apps\s+\[\]\s+\[\]\s+\[create delete deletecollection patch update get list watch\]$/m);
    expect(list.stdout).toMatch(/^\s+\[\/api\/\*\]\s+\[\]\s+\[get\]$/m);
  });

  it('answers a SubjectAccessReview about another user, with the binding that allows as the reason', async () => {
    const file = join(k.dir, 'sar.json');
    const review = (user: string, namespace: string) =>
      JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user, resourceAttributes: { namespace, verb: 'create', group: 'apps', resource: 'deployments' } } });
    writeFileSync(file, review('alice', 'team-a'));
    const allowed = JSON.parse((await k.run(['create', '-f', file, '-o', 'json', '--validate=false'])).stdout);
    expect(allowed.status).toEqual({ allowed: true, reason: 'RBAC: allowed by RoleBinding "alice-edit/team-a" of ClusterRole "edit" to User "alice"' });
    writeFileSync(file, review('alice', 'team-b'));
    expect(JSON.parse((await k.run(['create', '-f', file, '-o', 'json', '--validate=false'])).stdout).status).toEqual({ allowed: false });
    const byBob = await k.run(['create', '-f', file, '--validate=false', '--as', 'bob']);
    expect(byBob.stderr).toContain('subjectaccessreviews.authorization.k8s.io is forbidden: User "bob" cannot create resource "subjectaccessreviews" in API group "authorization.k8s.io" at the cluster scope');
  });

  it('aggregates a labelled ClusterRole into view, and so into edit and admin', async () => {
    const canCreateQuotas = () => Promise.all(['bob', 'alice', 'carol'].map(async (u) => (await k.run(['auth', 'can-i', 'create', 'resourcequotas', '-n', 'team-a', '--as', u])).stdout));
    expect(await canCreateQuotas()).toEqual(['no\n', 'no\n', 'no\n']);
    const file = join(k.dir, 'quota-maker.yaml');
    writeFileSync(
      file,
      `apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata:
  name: quota-maker
  labels:
    rbac.authorization.k8s.io/aggregate-to-view: "true"
rules:
- apiGroups: [""]
  resources: ["resourcequotas"]
  verbs: ["create"]
`,
    );
    expect((await k.run(['apply', '-f', file])).code).toBe(0);
    const deadline = Date.now() + 20_000;
    for (;;) {
      const answers = await canCreateQuotas();
      if (answers.every((a) => a === 'yes\n')) break;
      if (Date.now() > deadline) throw new Error(`aggregation did not reach view, edit and admin: ${answers.join(' ')}`);
    }
    const view = JSON.parse((await k.run(['get', 'clusterrole', 'view', '-o', 'json'])).stdout);
    expect(view.rules).toContainEqual({ apiGroups: [''], resources: ['resourcequotas'], verbs: ['create'] });
  });

  it('refuses impersonation to who may not impersonate, with Kubernetes\' message', async () => {
    const asDave = (args: string[]) => k.run(['--token', DAVE_TOKEN, ...args]);
    expect((await asDave(['auth', 'whoami'])).stdout).toMatch(/Username\s+dave\n/);
    const impersonating = await asDave(['get', 'pods', '-n', 'team-a', '--as', 'alice']);
    expect(impersonating.stderr).toContain('Error from server (Forbidden): users "alice" is forbidden: User "dave" cannot impersonate resource "users" in API group "" at the cluster scope');
    const plain = await asDave(['get', 'pods', '-n', 'team-a']);
    expect(plain.stderr).toContain('pods is forbidden: User "dave" cannot list resource "pods" in API group "" in the namespace "team-a"');

    // Granted impersonation of one user (resourceNames), dave may act as her and only her.
    expect((await k.run(['create', 'clusterrole', 'impersonate-alice', '--verb=impersonate', '--resource=users', '--resource-name=alice'])).code).toBe(0);
    expect((await k.run(['create', 'clusterrolebinding', 'dave-as-alice', '--clusterrole=impersonate-alice', '--user=dave'])).code).toBe(0);
    expect((await asDave(['auth', 'can-i', 'create', 'deployments', '-n', 'team-a', '--as', 'alice'])).stdout).toBe('yes\n');
    expect((await asDave(['get', 'pods', '-n', 'team-a', '--as', 'bob'])).stderr).toContain('users "bob" is forbidden: User "dave" cannot impersonate resource "users"');
  });
});
