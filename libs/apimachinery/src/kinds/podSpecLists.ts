import type { ListStrategy } from '../patchSchema.js';

/** The strategic-merge lists of a PodSpec at `prefix` (`spec`, `spec.template.spec`, `spec.jobTemplate.spec.template.spec`). */
export function podSpecLists(prefix: string): Record<string, ListStrategy> {
  const p = prefix;
  const lists: Record<string, ListStrategy> = {
    [`${p}.volumes`]: { mergeKey: 'name', strategy: 'merge' },
    [`${p}.imagePullSecrets`]: { mergeKey: 'name', strategy: 'merge' },
    [`${p}.hostAliases`]: { mergeKey: 'ip', strategy: 'merge' },
    [`${p}.topologySpreadConstraints`]: { mergeKey: 'topologyKey', strategy: 'merge' },
    [`${p}.resourceClaims`]: { mergeKey: 'name', strategy: 'merge' },
  };
  for (const c of ['containers', 'initContainers', 'ephemeralContainers']) {
    lists[`${p}.${c}`] = { mergeKey: 'name', strategy: 'merge' };
    lists[`${p}.${c}[].ports`] = { mergeKey: 'containerPort', strategy: 'merge' };
    lists[`${p}.${c}[].env`] = { mergeKey: 'name', strategy: 'merge' };
    lists[`${p}.${c}[].volumeMounts`] = { mergeKey: 'mountPath', strategy: 'merge' };
    lists[`${p}.${c}[].volumeDevices`] = { mergeKey: 'devicePath', strategy: 'merge' };
  }
  return lists;
}

/** `status.conditions`, merged by type, as every kind with conditions declares. */
export const CONDITIONS: Readonly<Record<string, ListStrategy>> = { 'status.conditions': { mergeKey: 'type', strategy: 'merge' } };
