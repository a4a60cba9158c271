import type { CustomResourceDefinition, CustomResourceDefinitionCondition, CustomResourceDefinitionNames, CustomResourceDefinitionStatus } from 'kubernetes-types/apiextensions/v1.js';
import { deepEqual } from '../deepEqual.js';

/**
 * The status apiextensions-apiserver's naming and establishing controllers give a CRD, computed
 * from the CRD and the other CRDs of its group:
 *
 * - acceptedNames: each requested name that is already ours or that no other CRD of the group
 *   has accepted; NamesAccepted True ("NoConflicts") when all are, else False with the conflict
 *   (`PluralConflict: "crontabs" is already in use`).
 * - Established: True once the names are accepted ("InitialNamesAccepted"); it stays True.
 * - storedVersions: every version that has been the storage version.
 *
 * A condition keeps its lastTransitionTime while its status stays the same. Returns the status to
 * write; equal to the stored one when there is nothing to do.
 */
export function customResourceDefinitionStatus(crd: CustomResourceDefinition, others: readonly CustomResourceDefinition[], now: string): CustomResourceDefinitionStatus {
  const status = crd.status ?? ({} as CustomResourceDefinitionStatus);
  const requested = crd.spec.names;
  const accepted: Partial<CustomResourceDefinitionNames> = status.acceptedNames ?? {};
  const resources = new Set<string>();
  const kinds = new Set<string>();
  for (const o of others) {
    if (o.metadata?.name === crd.metadata?.name || o.spec.group !== crd.spec.group) continue;
    const n: Partial<CustomResourceDefinitionNames> = o.status?.acceptedNames ?? {};
    for (const r of [n.plural, n.singular, ...(n.shortNames ?? [])]) if (r) resources.add(r);
    for (const k of [n.kind, n.listKind]) if (k) kinds.add(k);
  }
  const conflict = (wanted: string | undefined, ours: string | undefined, used: Set<string>) => !!wanted && wanted !== ours && used.has(wanted);

  const names: Partial<CustomResourceDefinitionNames> = { ...accepted };
  let problem: { reason: string; message: string } | undefined;
  const check = (field: 'plural' | 'singular' | 'kind' | 'listKind', reason: string, used: Set<string>) => {
    const wanted = requested[field];
    if (conflict(wanted, accepted[field], used)) problem = { reason, message: `${JSON.stringify(wanted)} is already in use` };
    else if (wanted !== undefined) names[field] = wanted;
  };
  check('plural', 'PluralConflict', resources);
  check('singular', 'SingularConflict', resources);
  const ownShort = new Set(accepted.shortNames ?? []);
  const shortConflicts = (requested.shortNames ?? []).filter((s) => !ownShort.has(s) && resources.has(s));
  if (shortConflicts.length > 0) problem = { reason: 'ShortNamesConflict', message: shortConflicts.map((s) => `${JSON.stringify(s)} is already in use`).join(', ') };
  else if (requested.shortNames) names.shortNames = requested.shortNames;
  else delete names.shortNames;
  check('kind', 'KindConflict', kinds);
  check('listKind', 'ListKindConflict', kinds);
  if (requested.categories) names.categories = requested.categories;
  else delete names.categories;

  const namesAccepted: CustomResourceDefinitionCondition = problem
    ? { type: 'NamesAccepted', status: 'False', reason: problem.reason, message: problem.message }
    : { type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' };
  const previous = status.conditions?.find((c) => c.type === 'Established');
  const established: CustomResourceDefinitionCondition =
    previous?.status === 'True'
      ? previous
      : namesAccepted.status === 'True'
        ? { type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' }
        : { type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' };

  const conditions = setCondition(setCondition(status.conditions ?? [], namesAccepted, now), established, now);
  const storage = crd.spec.versions.find((v) => v.storage)?.name;
  const storedVersions = [...(status.storedVersions ?? [])];
  if (storage && !storedVersions.includes(storage)) storedVersions.push(storage);
  return { ...status, acceptedNames: names as CustomResourceDefinitionNames, conditions, storedVersions };
}

/** Replaces the condition of `c.type`, keeping its lastTransitionTime when its status did not change. */
export function setCondition(conditions: readonly CustomResourceDefinitionCondition[], c: CustomResourceDefinitionCondition, now: string): CustomResourceDefinitionCondition[] {
  const old = conditions.find((x) => x.type === c.type);
  const { lastTransitionTime: _ignored, ...wanted } = c;
  const next: CustomResourceDefinitionCondition = old && old.status === c.status ? { ...wanted, lastTransitionTime: old.lastTransitionTime } : { ...wanted, lastTransitionTime: now };
  if (old && deepEqual(old, next)) return [...conditions];
  return old ? conditions.map((x) => (x.type === c.type ? next : x)) : [...conditions, next];
}

export function crdCondition(crd: CustomResourceDefinition, type: string): CustomResourceDefinitionCondition | undefined {
  return crd.status?.conditions?.find((c) => c.type === type);
}

/** The CRD is served: its names are accepted and it is Established (apiextensions' handler serves nothing before). */
export function isEstablished(crd: CustomResourceDefinition): boolean {
  return crdCondition(crd, 'Established')?.status === 'True';
}
