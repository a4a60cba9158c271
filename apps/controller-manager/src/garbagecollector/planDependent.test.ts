import { describe, expect, it } from 'vitest';
import type { KubeObject, OwnerReference } from '@skiff/apimachinery';
import { ownerState, planDependent, type DependentAction, type OwnerState } from './planDependent.js';

function ref(uid: string): OwnerReference {
  return { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `rs-${uid}`, uid };
}

/** `obj().finalizers('orphan').deleting().build()` */
function obj(name = 'web-1') {
  const metadata: KubeObject['metadata'] = { name, namespace: 'default', uid: `uid-${name}` };
  const b = {
    finalizers(...f: string[]) {
      metadata.finalizers = f;
      return b;
    },
    deleting() {
      metadata.deletionTimestamp = '2024-01-01T00:00:00Z';
      return b;
    },
    uid(uid: string) {
      metadata.uid = uid;
      return b;
    },
    build: (): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata }),
  };
  return b;
}

describe('ownerState', () => {
  it.each<[string, KubeObject | undefined, OwnerState]>([
    ['no object of that name', undefined, 'absent'],
    ['a re-created owner with another uid', obj('rs-a').uid('other').build(), 'absent'],
    ['the owner', obj('rs-a').uid('a').build(), 'live'],
    ['the owner, deleted in the background but not gone yet', obj('rs-a').uid('a').deleting().build(), 'live'],
    ['the owner, orphaning', obj('rs-a').uid('a').deleting().finalizers('orphan').build(), 'live'],
    ['the owner, deleting its dependents in the foreground', obj('rs-a').uid('a').deleting().finalizers('foregroundDeletion').build(), 'waitingForDependents'],
    ['the owner with foregroundDeletion but not deleted', obj('rs-a').uid('a').finalizers('foregroundDeletion').build(), 'live'],
  ])('%s', (_what, found, expected) => {
    expect(ownerState(ref('a'), found)).toBe(expected);
  });
});

describe('planDependent', () => {
  it.each<[string, KubeObject, [string, OwnerState][], boolean, DependentAction]>([
    ['no owners', obj().build(), [], false, { action: 'none' }],
    ['its owner lives', obj().build(), [['a', 'live']], false, { action: 'none' }],
    ['its only owner is gone', obj().build(), [['a', 'absent']], false, { action: 'delete', propagationPolicy: 'Background' }],
    ['all owners are gone', obj().build(), [['a', 'absent'], ['b', 'absent']], true, { action: 'delete', propagationPolicy: 'Background' }],
    ['one owner gone, one lives', obj().build(), [['a', 'absent'], ['b', 'live']], false, { action: 'removeOwnerReferences', uids: ['a'] }],
    ['one owner waiting, one lives', obj().build(), [['a', 'waitingForDependents'], ['b', 'live']], false, { action: 'removeOwnerReferences', uids: ['a'] }],
    ['its owner waits for it, no dependents of its own', obj().build(), [['a', 'waitingForDependents']], false, { action: 'delete', propagationPolicy: 'Background' }],
    ['its owner waits for it and it has dependents', obj().build(), [['a', 'waitingForDependents']], true, { action: 'delete', propagationPolicy: 'Foreground' }],
    ['owner gone, object carries the orphan finalizer', obj().finalizers('orphan').build(), [['a', 'absent']], false, { action: 'delete', propagationPolicy: 'Orphan' }],
    ['owner gone, object carries foregroundDeletion', obj().finalizers('foregroundDeletion').build(), [['a', 'absent']], false, { action: 'delete', propagationPolicy: 'Foreground' }],
    ['an unresolvable owner keeps it; the gone one is dropped', obj().build(), [['a', 'absent'], ['x', 'unresolvable']], false, { action: 'removeOwnerReferences', uids: ['a'] }],
    ['only an unresolvable owner', obj().build(), [['x', 'unresolvable']], false, { action: 'none' }],
    ['already being deleted', obj().deleting().build(), [['a', 'absent']], false, { action: 'none' }],
  ])('%s', (_what, dependent, owners, hasDependents, expected) => {
    expect(planDependent(dependent, owners.map(([uid, state]) => ({ ref: ref(uid), state })), hasDependents)).toEqual(expected);
  });
});
