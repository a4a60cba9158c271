import { describe, expect, it } from 'vitest';
import { resourceType } from '@skiff/kube-client';
import { namespaceDeletionConditions, type ContentReport, type NamespaceCondition } from './namespaceDeletionConditions.js';

const PODS = resourceType('pods');
const RS = resourceType('replicasets', 'apps');
const EMPTY: ContentReport = { remaining: [], finalizers: [], failures: [] };
const T0 = '2024-01-01T00:00:00Z';
const T1 = '2024-01-01T00:01:00Z';

function pick(conditions: NamespaceCondition[], type: string) {
  const c = conditions.find((x) => x.type === type)!;
  return [c.status, c.reason, c.message];
}

describe('namespaceDeletionConditions', () => {
  it.each<[string, ContentReport, string, [string, string, string]]>([
    ['nothing left', EMPTY, 'NamespaceContentRemaining', ['False', 'ContentRemoved', 'All content successfully removed']],
    ['pods and a ReplicaSet left', { ...EMPTY, remaining: [{ type: RS, count: 1 }, { type: PODS, count: 2 }] }, 'NamespaceContentRemaining', ['True', 'SomeResourcesRemain', 'Some resources are remaining: pods. has 2 resource instances, replicasets.apps has 1 resource instances']],
    ['a kind with nothing left is not named', { ...EMPTY, remaining: [{ type: PODS, count: 0 }] }, 'NamespaceContentRemaining', ['False', 'ContentRemoved', 'All content successfully removed']],
    ['no finalizers', EMPTY, 'NamespaceFinalizersRemaining', ['False', 'ContentHasNoFinalizers', 'All content-preserving finalizers have been removed']],
    ['finalizers left', { ...EMPTY, finalizers: [{ finalizer: 'foregroundDeletion', count: 1 }, { finalizer: 'a/b', count: 2 }] }, 'NamespaceFinalizersRemaining', ['True', 'SomeFinalizersRemain', 'Some content in the namespace has finalizers remaining: a/b in 2 resource instances, foregroundDeletion in 1 resource instances']],
    ['all deleted', EMPTY, 'NamespaceDeletionContentFailure', ['False', 'ContentDeleted', 'All content successfully deleted, may be waiting on finalization']],
    ['a kind failed', { ...EMPTY, failures: [{ type: PODS, message: 'boom' }] }, 'NamespaceDeletionContentFailure', ['True', 'ContentDeletionFailed', 'Failed to delete all resource types, 1 remaining: pods.: boom']],
  ])('%s: %s', (_what, report, type, expected) => {
    expect(pick(namespaceDeletionConditions(report, [], T0), type)).toEqual(expected);
  });

  it('keeps lastTransitionTime while a status holds, so an unchanged state computes equal conditions', () => {
    const first = namespaceDeletionConditions({ ...EMPTY, remaining: [{ type: PODS, count: 1 }] }, [], T0);
    expect(namespaceDeletionConditions({ ...EMPTY, remaining: [{ type: PODS, count: 1 }] }, first, T1)).toEqual(first);
    const later = namespaceDeletionConditions(EMPTY, first, T1);
    expect(later.find((c) => c.type === 'NamespaceContentRemaining')?.lastTransitionTime).toBe(T1);
    expect(later.find((c) => c.type === 'NamespaceDeletionDiscoveryFailure')?.lastTransitionTime).toBe(T0);
  });

  it('keeps conditions it does not own', () => {
    const other: NamespaceCondition = { type: 'Other', status: 'True', reason: 'R', message: 'm', lastTransitionTime: T0 };
    expect(namespaceDeletionConditions(EMPTY, [other], T1)[0]).toEqual(other);
  });
});
