import type { ResourceType } from '@skiff/apimachinery';

export interface NamespaceCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime?: string;
}

/** What a deletion pass found in a Terminating namespace. */
export interface ContentReport {
  /** Objects still present, per kind (including those already being deleted). */
  remaining: { type: ResourceType; count: number }[];
  /** Finalizers on the remaining objects, with how many objects carry each. */
  finalizers: { finalizer: string; count: number }[];
  /** Kinds whose deletion failed, with the error. */
  failures: { type: ResourceType; message: string }[];
  /** Why the server's discovery could not list every resource (only built-in kinds were deleted then). */
  discoveryFailure?: string;
}

function resourceName(t: ResourceType): string {
  // Kubernetes prints `pods.` for the core group: resource, dot, group.
  return `${t.resource}.${t.group}`;
}

/**
 * The conditions Kubernetes' namespace controller keeps on a Terminating namespace, e.g.
 *   NamespaceContentRemaining=True SomeResourcesRemain "Some resources are remaining: pods. has 2 resource instances"
 * A condition whose status did not change keeps its lastTransitionTime, so a pass that finds the
 * same state computes the same conditions and writes nothing.
 */
export function namespaceDeletionConditions(report: ContentReport, existing: readonly NamespaceCondition[], now: string): NamespaceCondition[] {
  const remaining = report.remaining.filter((r) => r.count > 0).sort((a, b) => resourceName(a.type).localeCompare(resourceName(b.type)));
  const finalizers = report.finalizers.filter((f) => f.count > 0).sort((a, b) => a.finalizer.localeCompare(b.finalizer));
  const failures = [...report.failures].sort((a, b) => resourceName(a.type).localeCompare(resourceName(b.type)));
  const computed: Omit<NamespaceCondition, 'lastTransitionTime'>[] = [
    report.discoveryFailure
      ? { type: 'NamespaceDeletionDiscoveryFailure', status: 'True', reason: 'DiscoveryFailed', message: `Discovery failed for some groups, 1 failing: ${report.discoveryFailure}` }
      : { type: 'NamespaceDeletionDiscoveryFailure', status: 'False', reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' },
    { type: 'NamespaceDeletionGroupVersionParsingFailure', status: 'False', reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' },
    failures.length
      ? { type: 'NamespaceDeletionContentFailure', status: 'True', reason: 'ContentDeletionFailed', message: `Failed to delete all resource types, ${failures.length} remaining: ${failures.map((f) => `${resourceName(f.type)}: ${f.message}`).join(', ')}` }
      : { type: 'NamespaceDeletionContentFailure', status: 'False', reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
    remaining.length
      ? { type: 'NamespaceContentRemaining', status: 'True', reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${remaining.map((r) => `${resourceName(r.type)} has ${r.count} resource instances`).join(', ')}` }
      : { type: 'NamespaceContentRemaining', status: 'False', reason: 'ContentRemoved', message: 'All content successfully removed' },
    finalizers.length
      ? { type: 'NamespaceFinalizersRemaining', status: 'True', reason: 'SomeFinalizersRemain', message: `Some content in the namespace has finalizers remaining: ${finalizers.map((f) => `${f.finalizer} in ${f.count} resource instances`).join(', ')}` }
      : { type: 'NamespaceFinalizersRemaining', status: 'False', reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers have been removed' },
  ];
  const ours = new Set(computed.map((c) => c.type));
  return [
    ...existing.filter((c) => !ours.has(c.type)),
    ...computed.map((c) => {
      const old = existing.find((e) => e.type === c.type);
      return { ...c, lastTransitionTime: old && old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : now };
    }),
  ];
}
