import { describe, expect, it } from 'vitest';
import { newControllerRevision } from '../history/controllerHistory.js';
import { makeSet, makeStatefulPod } from '../testing/statefulSetBuilders.js';
import {
  applyRevision,
  CONTROLLER_REVISION_HASH,
  identityMatches,
  newStatefulSetPod,
  newVersionedStatefulSetPod,
  parentAndOrdinal,
  persistentVolumeClaims,
  POD_INDEX_LABEL,
  POD_NAME_LABEL,
  podInOrdinalRange,
  revisionData,
  storageMatches,
} from './statefulPods.js';

describe('parentAndOrdinal', () => {
  it.each([
    ['web-0', 'web', 0],
    ['my-db-12', 'my-db', 12],
    ['web', '', -1],
    ['web-x', '', -1],
    ['web-', '', -1],
  ])('%s -> %s, %i', (name, parent, ordinal) => {
    expect(parentAndOrdinal({ apiVersion: 'v1', kind: 'Pod', metadata: { name } })).toEqual({ parent, ordinal });
  });
});

describe('newStatefulSetPod', () => {
  it('has the ordinal name, identity labels, hostname and subdomain, the claims as volumes, and the set as controller', () => {
    const set = makeSet(3).claims('www').build();
    set.spec!.template.spec!.volumes = [{ name: 'www', emptyDir: {} }, { name: 'config', configMap: { name: 'cfg' } }];
    const pod = newStatefulSetPod(set, 2);
    expect(pod.metadata.name).toBe('web-2');
    expect(pod.metadata.labels).toEqual({ app: 'web', [POD_NAME_LABEL]: 'web-2', [POD_INDEX_LABEL]: '2' });
    expect(pod.spec!.hostname).toBe('web-2');
    expect(pod.spec!.subdomain).toBe('web');
    expect(pod.spec!.volumes).toEqual([{ name: 'www', persistentVolumeClaim: { claimName: 'www-web-2' } }, { name: 'config', configMap: { name: 'cfg' } }]);
    expect(pod.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'StatefulSet', name: 'web', uid: 'uid-web', controller: true })]);
    expect(identityMatches(set, pod)).toBe(true);
    expect(storageMatches(set, pod)).toBe(true);
  });

  it('a pod missing its identity labels or claim volume does not match', () => {
    const set = makeSet(1).claims('data').build();
    expect(identityMatches(set, makeStatefulPod(set, 0).label(POD_NAME_LABEL, undefined).build())).toBe(false);
    expect(identityMatches(set, makeStatefulPod(set, 0).label(POD_INDEX_LABEL, '7').build())).toBe(false);
    const pod = makeStatefulPod(set, 0).build();
    pod.spec!.volumes = [];
    expect(storageMatches(set, pod)).toBe(false);
  });
});

describe('persistentVolumeClaims', () => {
  it('names each claim <template>-<set>-<ordinal> and labels it with the selector', () => {
    const set = makeSet(2).claims('www', 'logs').build();
    const claims = persistentVolumeClaims(set, 1);
    expect([...claims.keys()]).toEqual(['www', 'logs']);
    expect(claims.get('www')!.metadata).toEqual({ name: 'www-web-1', namespace: 'default', labels: { app: 'web' } });
    expect(claims.get('www')!.spec).toEqual({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } });
  });
});

describe('podInOrdinalRange', () => {
  it.each([
    [3, 0, 'web-2', true],
    [3, 0, 'web-3', false],
    [2, 5, 'web-5', true],
    [2, 5, 'web-4', false],
    [2, 5, 'web-7', false],
  ])('replicas %i from %i: %s in range is %s', (replicas, start, name, want) => {
    const set = makeSet(replicas).build();
    set.spec!.ordinals = { start };
    expect(podInOrdinalRange({ apiVersion: 'v1', kind: 'Pod', metadata: { name } }, set)).toBe(want);
  });
});

describe('newVersionedStatefulSetPod', () => {
  // 5 replicas, partition 3: ordinals 0..2 stay at the current revision, 3 and 4 take the update.
  const current = makeSet(5).partition(3).image('v1').build();
  const update = makeSet(5).partition(3).image('v2').build();
  it.each([
    [0, 'cur', 'v1'],
    [2, 'cur', 'v1'],
    [3, 'upd', 'v2'],
    [4, 'upd', 'v2'],
  ])('ordinal %i -> %s', (ordinal, revision, image) => {
    const pod = newVersionedStatefulSetPod(current, update, 'cur', 'upd', ordinal);
    expect(pod.metadata.labels![CONTROLLER_REVISION_HASH]).toBe(revision);
    expect(pod.spec!.containers[0].image).toBe(image);
  });
  it('OnDelete always makes pods at the update revision', () => {
    const set = makeSet(2).onDelete().build();
    expect(newVersionedStatefulSetPod(set, set, 'cur', 'upd', 0).metadata.labels![CONTROLLER_REVISION_HASH]).toBe('upd');
  });
});

describe('revisionData and applyRevision', () => {
  it('store the template to be replaced whole, and put it back', () => {
    const v1 = makeSet(1).image('v1').build();
    const data = revisionData(v1);
    expect(data.spec.template.$patch).toBe('replace');
    const revision = newControllerRevision(v1, v1.spec!.template.metadata?.labels, data, 1);
    const back = applyRevision(makeSet(1).image('v2').build(), revision);
    expect(back.spec!.template).toEqual(v1.spec!.template);
  });
});
