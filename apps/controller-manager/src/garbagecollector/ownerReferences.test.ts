import { describe, expect, it } from 'vitest';
import type { KubeObject, OwnerReference } from '@skiff/apimachinery';
import { blocksOwnerDeletion, COLLECTED_TYPES, finalizersWithout, isDependentOf, ownerReferencesWithout, ownerTypeOf } from './ownerReferences.js';

function withRefs(...refs: Partial<OwnerReference>[]): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', finalizers: ['a', 'orphan'], ownerReferences: refs.map((r) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u1', ...r })) },
  };
}

describe('owner references', () => {
  it('collects every listable, watchable, deletable kind but Events', () => {
    const names = COLLECTED_TYPES.map((t) => t.resource);
    expect(names).toEqual(expect.arrayContaining(['pods', 'replicasets', 'deployments', 'configmaps', 'secrets', 'services', 'leases', 'nodes']));
    expect(names).not.toContain('events');
  });

  it.each<[string, OwnerReference, string | undefined]>([
    ['a ReplicaSet', { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'x', uid: 'u' }, 'replicasets'],
    ['a Node', { apiVersion: 'v1', kind: 'Node', name: 'x', uid: 'u' }, 'nodes'],
    ['an unserved kind', { apiVersion: 'example.com/v1', kind: 'Widget', name: 'x', uid: 'u' }, undefined],
    ['a served kind in the wrong version', { apiVersion: 'apps/v1beta1', kind: 'ReplicaSet', name: 'x', uid: 'u' }, undefined],
  ])('resolves the kind of %s', (_what, ref, resource) => {
    expect(ownerTypeOf(ref)?.resource).toBe(resource);
  });

  it.each<[string, KubeObject, string, boolean, boolean]>([
    ['a plain reference', withRefs({}), 'u1', true, false],
    ['a blocking reference', withRefs({ blockOwnerDeletion: true }), 'u1', true, true],
    ['another owner', withRefs({ uid: 'u2', blockOwnerDeletion: true }), 'u1', false, false],
  ])('%s: dependent %#, blocking', (_what, obj, uid, dependent, blocking) => {
    expect(isDependentOf(obj, uid)).toBe(dependent);
    expect(blocksOwnerDeletion(obj, uid)).toBe(blocking);
  });

  it.each<[string, KubeObject, string[], unknown]>([
    ['drops one of two', withRefs({ uid: 'u1' }, { uid: 'u2' }), ['u1'], [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u2' }]],
    ['drops the last (null removes the field)', withRefs({ uid: 'u1' }), ['u1'], null],
    ['keeps unrelated ones', withRefs({ uid: 'u2' }), ['u1'], [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u2' }]],
  ])('ownerReferencesWithout %s', (_what, obj, uids, expected) => {
    expect(ownerReferencesWithout(obj, uids)).toEqual(expected);
  });

  it('finalizersWithout keeps the others, or null for none', () => {
    expect(finalizersWithout(withRefs(), 'orphan')).toEqual(['a']);
    expect(finalizersWithout({ apiVersion: 'v1', kind: 'Pod', metadata: { finalizers: ['orphan'] } }, 'orphan')).toBeNull();
  });
});
