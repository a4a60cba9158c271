import { describe, expect, it } from 'vitest';
import type { KubeObject, ResourceType } from '@skiff/apimachinery';
import { cacheReaderOf, type ObjectRef } from '@skiff/controller-runtime';
import { resourceType } from '@skiff/kube-client';
import { relatedKeys } from './garbageCollector.js';

const PODS = resourceType('pods');
const RS = resourceType('replicasets', 'apps');

function rs(name: string, extra: Partial<KubeObject['metadata']> = {}): KubeObject {
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name, namespace: 'default', uid: `uid-${name}`, ...extra } };
}
function pod(name: string, owner?: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner, uid: `uid-${owner}`, blockOwnerDeletion: true }] } : {}) },
  };
}

const foreground = { deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['foregroundDeletion'] };

describe('relatedKeys: which objects a change concerns', () => {
  it.each<[string, ResourceType, ResourceType, KubeObject, Record<string, KubeObject[]>, ObjectRef[]]>([
    ['a live owner changed: nobody', PODS, RS, rs('a'), { replicasets: [rs('a')], pods: [pod('p1', 'a')] }, []],
    ['an owner gone: its dependents', PODS, RS, rs('a'), { replicasets: [], pods: [pod('p1', 'a'), pod('p2', 'b')] }, [{ namespace: 'default', name: 'p1' }]],
    ['an owner deleting in the foreground: its dependents', PODS, RS, rs('a', foreground), { replicasets: [rs('a', foreground)], pods: [pod('p1', 'a')] }, [{ namespace: 'default', name: 'p1' }]],
    ['a dependent of a foreground-deleting owner changed: the owner', RS, PODS, pod('p1', 'a'), { replicasets: [rs('a', foreground)], pods: [] }, [{ namespace: 'default', name: 'a' }]],
    ['a dependent of a live owner changed: nobody', RS, PODS, pod('p1', 'a'), { replicasets: [rs('a')], pods: [pod('p1', 'a')] }, []],
  ])('%s', (_what, type, watched, obj, caches, expected) => {
    expect(relatedKeys(type, watched, obj, cacheReaderOf((t) => caches[t.resource] ?? []))).toEqual(expected);
  });
});
