import { describe, expect, it } from 'vitest';
import type { ClusterRole } from 'kubernetes-types/rbac/v1.js';
import { aggregatedRules } from './clusterRoleAggregation.js';

const role = (name: string, labels: Record<string, string>, rules: ClusterRole['rules'] = []): ClusterRole => ({ metadata: { name, labels }, rules });

describe('aggregatedRules', () => {
  it('collects the rules of the selected roles in name order, each once, and never its own', () => {
    const view: ClusterRole = { ...role('view', { 'agg/view': 'true' }, [{ verbs: ['stale'] }]), aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'agg/view': 'true' } }] } };
    const all = [
      view,
      role('b-widgets', { 'agg/view': 'true' }, [{ verbs: ['get'], apiGroups: ['x'], resources: ['widgets'] }]),
      role('a-pods', { 'agg/view': 'true' }, [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }, { verbs: ['get'], apiGroups: ['x'], resources: ['widgets'] }]),
      role('unlabelled', {}, [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }]),
    ];
    expect(aggregatedRules(view, all)).toEqual([
      { verbs: ['get'], apiGroups: [''], resources: ['pods'] },
      { verbs: ['get'], apiGroups: ['x'], resources: ['widgets'] },
    ]);
  });
});
