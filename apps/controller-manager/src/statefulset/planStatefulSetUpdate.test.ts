import { describe, expect, it } from 'vitest';
import { makeClaim, makeSet, makeStatefulPod } from '../testing/statefulSetBuilders.js';
import { planStatefulSetUpdate, type StatefulSetAction } from './planStatefulSetUpdate.js';
import type { ClaimObject, PodObject, StatefulSetObject } from './statefulPods.js';

const NOW = new Date('2026-01-01T01:00:00Z');

function plan(set: StatefulSetObject, pods: PodObject[], opts: { claims?: ClaimObject[]; current?: StatefulSetObject; currentRevision?: string; updateRevision?: string } = {}) {
  return planStatefulSetUpdate({
    set,
    currentSet: opts.current ?? set,
    currentRevision: opts.currentRevision ?? 'web-rev1',
    updateRevision: opts.updateRevision ?? 'web-rev1',
    pods,
    claims: new Map((opts.claims ?? []).map((c) => [c.metadata.name!, c])),
    now: NOW,
  });
}

const summary = (actions: StatefulSetAction[]) => actions.map((a) => `${a.type} ${a.pod.metadata.name}`);

describe('planStatefulSetUpdate: scaling', () => {
  const set3 = makeSet(3).build();
  const par3 = makeSet(3).parallel().build();
  const set1 = makeSet(1).build();
  const par1 = makeSet(1).parallel().build();
  it.each<[string, StatefulSetObject, (s: StatefulSetObject) => PodObject[], string[]]>([
    ['OrderedReady from empty: web-0 only', set3, () => [], ['createPod web-0']],
    ['OrderedReady waits for web-0 to be Ready', set3, (s) => [makeStatefulPod(s, 0).running().build()], []],
    ['OrderedReady: web-0 Ready -> web-1', set3, (s) => [makeStatefulPod(s, 0).ready().build()], ['createPod web-1']],
    ['OrderedReady: a missing middle pod is made first', set3, (s) => [makeStatefulPod(s, 0).ready().build(), makeStatefulPod(s, 2).ready().build()], ['createPod web-1']],
    ['Parallel from empty: every pod at once', par3, () => [], ['createPod web-0', 'createPod web-1', 'createPod web-2']],
    ['Parallel does not wait for readiness', par3, (s) => [makeStatefulPod(s, 0).build()], ['createPod web-1', 'createPod web-2']],
    [
      'OrderedReady scale down: highest ordinal first, one at a time',
      set1,
      (s) => [makeStatefulPod(s, 0).ready().build(), makeStatefulPod(s, 1).ready().build(), makeStatefulPod(s, 2).ready().build()],
      ['deletePod web-2'],
    ],
    [
      'OrderedReady scale down waits for a terminating pod',
      set1,
      (s) => [makeStatefulPod(s, 0).ready().build(), makeStatefulPod(s, 1).ready().build(), makeStatefulPod(s, 2).ready().terminating().build()],
      [],
    ],
    [
      'OrderedReady scale down: an unhealthy pod that is not the first unhealthy one waits',
      set1,
      (s) => [makeStatefulPod(s, 0).ready().build(), makeStatefulPod(s, 1).running().build(), makeStatefulPod(s, 2).running().build()],
      [],
    ],
    [
      'OrderedReady scale down removes the first unhealthy pod',
      set1,
      (s) => [makeStatefulPod(s, 0).ready().build(), makeStatefulPod(s, 1).ready().build(), makeStatefulPod(s, 2).running().build()],
      ['deletePod web-2'],
    ],
    ['OrderedReady does not scale down until the kept pods are Ready', set1, (s) => [makeStatefulPod(s, 0).running().build(), makeStatefulPod(s, 1).ready().build()], []],
    [
      'Parallel scale down: all at once',
      par1,
      (s) => [makeStatefulPod(s, 0).build(), makeStatefulPod(s, 1).ready().build(), makeStatefulPod(s, 2).build()],
      ['deletePod web-2', 'deletePod web-1'],
    ],
    ['a failed pod is deleted (and made again next pass)', set3, (s) => [makeStatefulPod(s, 0).phase('Failed').build()], ['deletePod web-0']],
    ['a pod with a name outside the pattern is ignored', set1, (s) => [makeStatefulPod(s, 0).ready().build(), { ...makeStatefulPod(s, 1).ready().build(), metadata: { ...makeStatefulPod(s, 1).build().metadata, name: 'web-x' } }], []],
    ['a set being deleted does nothing', makeSet(3).deleting().build(), () => [], []],
  ])('%s', (_, set, pods, want) => {
    expect(summary(plan(set, pods(set)).actions)).toEqual(want);
  });

  it('created pods carry identity, hostname and the update revision', () => {
    const { actions } = plan(set3, [], { currentRevision: 'web-a', updateRevision: 'web-a' });
    const pod = actions[0].pod;
    expect(pod.metadata.labels).toMatchObject({ 'statefulset.kubernetes.io/pod-name': 'web-0', 'apps.kubernetes.io/pod-index': '0', 'controller-revision-hash': 'web-a' });
    expect(pod.spec).toMatchObject({ hostname: 'web-0', subdomain: 'web' });
  });

  it('a ready pod that lost its identity labels gets them back', () => {
    const s = makeSet(1).build();
    expect(summary(plan(s, [makeStatefulPod(s, 0).ready().label('statefulset.kubernetes.io/pod-name', undefined).build()]).actions)).toEqual(['updatePodIdentity web-0']);
  });

  it('minReadySeconds: the next pod waits until the previous one is available', () => {
    const s = makeSet(2).minReadySeconds(600).build();
    expect(summary(plan(s, [makeStatefulPod(s, 0).ready('2026-01-01T00:55:00Z').build()]).actions)).toEqual([]);
    expect(summary(plan(s, [makeStatefulPod(s, 0).ready('2026-01-01T00:40:00Z').build()]).actions)).toEqual(['createPod web-1']);
  });
});

describe('planStatefulSetUpdate: rolling update', () => {
  const v2 = (partition = 0) => makeSet(3).partition(partition).image('v2').build();
  const v1 = makeSet(3).image('v1').build();
  const pods = (s: StatefulSetObject, revs: string[], healthy = [true, true, true]) =>
    revs.map((r, i) => (healthy[i] ? makeStatefulPod(s, i, r).ready() : makeStatefulPod(s, i, r).running()).build());
  const opts = { current: v1, currentRevision: 'r1', updateRevision: 'r2' };
  it.each<[string, StatefulSetObject, PodObject[], string[]]>([
    ['starts with the highest ordinal', v2(), pods(v1, ['r1', 'r1', 'r1']), ['deletePod web-2']],
    ['waits for the updated pod to be healthy', v2(), pods(v1, ['r1', 'r1', 'r2'], [true, true, false]), []],
    ['then the next one down', v2(), pods(v1, ['r1', 'r1', 'r2']), ['deletePod web-1']],
    ['waits while the updated pod is terminating', v2(), [...pods(v1, ['r1', 'r1']), makeStatefulPod(v1, 2, 'r1').ready().terminating().build()], []],
    ['partition 2: only web-2 is updated', v2(2), pods(v1, ['r1', 'r1', 'r1']), ['deletePod web-2']],
    ['partition 2: done once web-2 is updated', v2(2), pods(v1, ['r1', 'r1', 'r2']), []],
    ['OnDelete: pods are left as they are', makeSet(3).onDelete().image('v2').build(), pods(v1, ['r1', 'r1', 'r1']), []],
    ['all updated: nothing to do', v2(), pods(v1, ['r2', 'r2', 'r2']), []],
  ])('%s', (_, set, current, want) => {
    expect(summary(plan(set, current, opts).actions)).toEqual(want);
  });

  it('a pod below the partition is remade from the current revision', () => {
    const set = v2(2);
    // The current set is the stored one with the current revision's template (applyRevision).
    const current = makeSet(3).partition(2).image('v1').build();
    const { actions } = plan(set, pods(v1, ['r1', 'r1', 'r2']).filter((p) => p.metadata.name !== 'web-0'), { ...opts, current });
    expect(summary(actions)).toEqual(['createPod web-0']);
    expect(actions[0].pod.metadata.labels!['controller-revision-hash']).toBe('r1');
    expect(actions[0].pod.spec!.containers[0].image).toBe('v1');
  });
});

describe('planStatefulSetUpdate: claims', () => {
  it('a new pod whose claim still belongs to a previous pod of that name waits', () => {
    const s = makeSet(1).claims('www').build();
    const stale = makeClaim('www-web-0', [{ kind: 'Pod', name: 'web-0', uid: 'old-uid' }]);
    expect(plan(s, [], { claims: [stale] })).toEqual({ actions: [], waitingFor: 'stale claims of web-0 to be deleted' });
  });

  it('a pending pod gets its missing claims', () => {
    const s = makeSet(1).claims('www').build();
    expect(summary(plan(s, [makeStatefulPod(s, 0).build()]).actions)).toEqual(['createMissingClaims web-0']);
  });

  it.each<[string, 'Retain' | 'Delete', 'Retain' | 'Delete', string[]]>([
    ['Retain/Retain: only the scale down', 'Retain', 'Retain', ['deletePod web-1']],
    ['whenDeleted Delete: the kept pod’s claim gets the set as owner', 'Delete', 'Retain', ['updateClaimOwners web-0', 'updateClaimOwners web-1', 'deletePod web-1']],
    ['whenScaled Delete: the condemned pod’s claim gets the pod as owner before it goes', 'Retain', 'Delete', ['updateClaimOwners web-1', 'deletePod web-1']],
  ])('%s', (_, whenDeleted, whenScaled, want) => {
    const s = makeSet(1).claims('www').retention(whenDeleted, whenScaled).build();
    const claims = [makeClaim('www-web-0'), makeClaim('www-web-1')];
    expect(summary(plan(s, [makeStatefulPod(s, 0).ready().build(), makeStatefulPod(s, 1).ready().build()], { claims }).actions)).toEqual(want);
  });
});
