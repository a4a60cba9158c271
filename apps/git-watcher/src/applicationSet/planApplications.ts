import type { ApplicationSetPolicy, KubeObject } from '@skiff/apimachinery';

/** What an ApplicationSet pass does to its Applications. */
export interface ApplicationsPlan {
  create: KubeObject[];
  update: KubeObject[];
  delete: KubeObject[];
}

/**
 * Compares the Applications a pass generated with the live ones the ApplicationSet owns, under
 * its policy: `create-only` creates what is missing; `create-update` also updates; `create-delete`
 * creates and deletes; `sync` (the default) does all three. `differs(desired, live)` says whether
 * a live Application needs the generated fields applied again.
 */
export function planApplications(
  desired: readonly KubeObject[],
  owned: readonly KubeObject[],
  policy: ApplicationSetPolicy,
  differs: (desired: KubeObject, live: KubeObject) => boolean,
): ApplicationsPlan {
  const live = new Map(owned.map((a) => [a.metadata.name!, a]));
  const wanted = new Set(desired.map((a) => a.metadata.name!));
  const updates = policy === 'sync' || policy === 'create-update';
  const deletes = policy === 'sync' || policy === 'create-delete';
  return {
    create: desired.filter((a) => !live.has(a.metadata.name!)),
    update: updates ? desired.filter((a) => live.has(a.metadata.name!) && differs(a, live.get(a.metadata.name!)!)) : [],
    delete: deletes ? owned.filter((a) => !wanted.has(a.metadata.name!) && !a.metadata.deletionTimestamp) : [],
  };
}
