import { describe, expect, it } from 'vitest';
import type { PolicyRule } from 'kubernetes-types/rbac/v1.js';
import { escalationReason, uncoveredRules } from './escalation.js';
import { nonResourceUrlMatches, resourceMatches, ruleAllows, serviceAccountOf, subjectMatches, type Attributes } from './rules.js';

const get = (resource: string, extra: Partial<Attributes & { resourceRequest: true }> = {}): Attributes => ({ resourceRequest: true, verb: 'get', apiGroup: '', resource, ...extra });

describe('RBAC rule matching', () => {
  it.each([
    [['pods'], 'pods', undefined, true],
    [['pods'], 'pods', 'log', false],
    [['pods/log'], 'pods', 'log', true],
    [['*'], 'pods', 'exec', true],
    [['*/scale'], 'deployments', 'scale', true],
    [['*/scale'], 'deployments', undefined, false],
    [['deployments/scale'], 'replicasets', 'scale', false],
  ])('resources %j match %s/%s: %s', (rule, resource, sub, want) => {
    expect(resourceMatches(rule, resource, sub)).toBe(want);
  });

  it.each([
    [['/healthz'], '/healthz', true],
    [['/healthz'], '/healthz/etcd', false],
    [['/apis/*'], '/apis/apps/v1', true],
    [['/apis/*'], '/apis', false],
    [['*'], '/metrics', true],
  ])('nonResourceURLs %j match %s: %s', (rule, path, want) => {
    expect(nonResourceUrlMatches(rule, path)).toBe(want);
  });

  it.each<[PolicyRule, Attributes, boolean]>([
    [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }, get('pods'), true],
    [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, get('deployments', { verb: 'deletecollection', apiGroup: 'apps' }), true],
    [{ verbs: ['get'], apiGroups: ['apps'], resources: ['pods'] }, get('pods'), false],
    [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }, get('configmaps', { name: 'a' }), true],
    [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }, get('configmaps', { name: 'b' }), false],
    // resourceNames never cover a list, which names no object.
    [{ verbs: ['list'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['a'] }, get('configmaps', { verb: 'list' }), false],
    [{ verbs: ['get'], nonResourceURLs: ['/version'] }, { resourceRequest: false, verb: 'get', path: '/version' }, true],
    [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }, { resourceRequest: false, verb: 'get', path: '/api' }, false],
  ])('rule %j allows %j: %s', (rule, attrs, want) => {
    expect(ruleAllows(rule, attrs)).toBe(want);
  });

  it('matches ServiceAccount subjects by their user name, defaulting a RoleBinding subject to its namespace', () => {
    const user = { name: 'system:serviceaccount:ci:builder', groups: [] };
    expect(serviceAccountOf(user.name)).toEqual({ namespace: 'ci', name: 'builder' });
    expect(serviceAccountOf('system:serviceaccount:ci')).toBeUndefined();
    expect(subjectMatches({ kind: 'ServiceAccount', name: 'builder' }, user, 'ci')).toBe(true);
    expect(subjectMatches({ kind: 'ServiceAccount', name: 'builder', namespace: 'other' }, user, 'ci')).toBe(false);
    expect(subjectMatches({ kind: 'Group', name: 'ops' }, { name: 'x', groups: ['ops'] }, '')).toBe(true);
  });
});

describe('escalation checks', () => {
  it.each<[PolicyRule[], PolicyRule[], string[]]>([
    [[{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }], [{ verbs: ['get', 'list'], apiGroups: ['apps'], resources: ['deployments'] }], []],
    [[{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }], [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }], ['{APIGroups:[""], Resources:["pods"], Verbs:["list"]}']],
    [[{ verbs: ['get'], apiGroups: ['apps'], resources: ['*/scale'] }], [{ verbs: ['get'], apiGroups: ['apps'], resources: ['deployments/scale'] }], []],
    [[{ verbs: ['get'], apiGroups: [''], resources: ['secrets'], resourceNames: ['a'] }], [{ verbs: ['get'], apiGroups: [''], resources: ['secrets'] }], ['{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}']],
    [[{ verbs: ['get'], nonResourceURLs: ['/healthz/*'] }], [{ verbs: ['get'], nonResourceURLs: ['/healthz/etcd', '/metrics'] }], ['{NonResourceURLs:["/metrics"], Verbs:["get"]}']],
  ])('owner %j granting %j lacks %j', (owner, requested, missing) => {
    expect(uncoveredRules(owner, requested)).toEqual(missing);
  });

  it('words the refusal as Kubernetes does', () => {
    const reason = escalationReason({ name: 'carol', groups: ['team', 'system:authenticated'] }, [], [{ verbs: ['create'], apiGroups: ['apps'], resources: ['deployments'] }]);
    expect(reason).toBe('user "carol" (groups=["team" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:["apps"], Resources:["deployments"], Verbs:["create"]}');
  });
});
