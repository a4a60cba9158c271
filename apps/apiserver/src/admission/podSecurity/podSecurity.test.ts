import { describe, expect, it } from 'vitest';
import { findResource, type KubeObject } from '@skiff/apimachinery';
import { admitNamespacePodSecurity, admitPodSecurity, type PodSecurityDefaults } from './podSecurity.js';

const DEFAULTS: PodSecurityDefaults = { enforce: 'baseline', exemptNamespaces: new Set(['kube-system']) };
const PODS = findResource('', 'v1', 'pods')!;
const REPLICA_SETS = findResource('apps', 'v1', 'replicasets')!;

const ns = (labels: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels } });
const pod = (name: string, spec: Record<string, unknown>, namespace = 'shop'): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } });
const privileged = { containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true } }] };

describe('admitPodSecurity', () => {
  it('enforces the default level in an unlabelled namespace, and nothing in an exempt one', () => {
    expect(admitPodSecurity(PODS, pod('p', privileged), undefined, ns(), DEFAULTS)).toEqual({ kind: 'forbidden', message: 'violates PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)' });
    expect(admitPodSecurity(PODS, pod('p', privileged, 'kube-system'), undefined, undefined, DEFAULTS)).toEqual({ kind: 'allowed', warnings: [] });
  });

  it('lets an update that leaves the spec alone through, as Kubernetes ignores metadata-only pod updates', () => {
    const stored = pod('p', privileged);
    const relabelled = { ...stored, metadata: { ...stored.metadata, labels: { a: 'b' } } };
    expect(admitPodSecurity(PODS, relabelled, stored, ns(), DEFAULTS).kind).toBe('allowed');
  });

  it('only warns about a pod template, at the warn level', () => {
    const rs = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'r', namespace: 'shop' }, spec: { template: { spec: privileged } } };
    expect(admitPodSecurity(REPLICA_SETS, rs, undefined, ns({ 'pod-security.kubernetes.io/enforce': 'restricted' }), DEFAULTS)).toEqual({ kind: 'allowed', warnings: [] });
    expect(admitPodSecurity(REPLICA_SETS, rs, undefined, ns({ 'pod-security.kubernetes.io/warn': 'baseline', 'pod-security.kubernetes.io/warn-version': 'v1.31' }), DEFAULTS)).toEqual({
      kind: 'allowed',
      warnings: ['would violate PodSecurity "baseline:v1.31": privileged (container "c" must not set securityContext.privileged=true)'],
    });
  });
});

describe('admitNamespacePodSecurity', () => {
  const pods = async () => [pod('a', privileged), pod('b', privileged), pod('c', { hostNetwork: true }), pod('d', {})];

  it('groups the existing pods a tightened enforce level would refuse by what they break', async () => {
    expect(await admitNamespacePodSecurity(ns({ 'pod-security.kubernetes.io/enforce': 'baseline' }), ns({ 'pod-security.kubernetes.io/enforce': 'privileged' }), pods, DEFAULTS)).toEqual({
      kind: 'allowed',
      warnings: ['existing pods in namespace "shop" violate the new PodSecurity enforce level "baseline:latest"', 'a (and 1 other pod): privileged', 'c: host namespaces'],
    });
  });

  it('says nothing when the enforce policy stays the same, and refuses labels that name no level or version', async () => {
    expect(await admitNamespacePodSecurity(ns({ 'pod-security.kubernetes.io/warn': 'restricted' }), ns(), pods, DEFAULTS)).toEqual({ kind: 'allowed', warnings: [] });
    const refused = await admitNamespacePodSecurity(ns({ 'pod-security.kubernetes.io/audit-version': 'v2.0' }), undefined, pods, DEFAULTS);
    expect(refused).toEqual({ kind: 'invalid', causes: [{ field: 'metadata.labels[pod-security.kubernetes.io/audit-version]', reason: 'FieldValueInvalid', message: 'Invalid value: "v2.0": must be "latest" or "v1.x"' }] });
  });

  it('never refuses a write that leaves bad labels as they were', async () => {
    const bad = ns({ 'pod-security.kubernetes.io/enforce': 'strict' });
    expect(await admitNamespacePodSecurity({ ...bad, metadata: { ...bad.metadata, annotations: { a: 'b' } } }, bad, pods, DEFAULTS)).toEqual({ kind: 'allowed', warnings: [] });
  });
});
