import type { KubeObject } from '@skiff/apimachinery';
import { manifestName, unifiedObjectDiff } from '@skiff/gitops';
import type { ManifestRef } from './desiredObjects.js';
import { groupOf } from './tracking.js';

/** How much of a revision's changes its history entry keeps (the rest is counted, not kept). */
export const REVISION_CHANGES_LIMIT = 4096;

function keyOf(obj: KubeObject): string {
  const g = groupOf(obj.apiVersion);
  return `${g ? `${g}/` : ''}${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${manifestName(obj)}`;
}

/**
 * What a revision changed in git, object by object, as the unified diff of the manifests (rendered,
 * before Skiff's marks) of the revision before it and of it: what the status page shows for a
 * history entry. Secret values are masked; the text is cut at `limit` characters, saying how many
 * lines were left out.
 */
export function revisionChanges(before: readonly ManifestRef[], after: readonly ManifestRef[], limit = REVISION_CHANGES_LIMIT): string {
  const old = new Map(before.map((m) => [keyOf(m.object), m.object]));
  const now = new Map(after.map((m) => [keyOf(m.object), m.object]));
  const keys = [...new Set([...old.keys(), ...now.keys()])].sort();
  const text = keys.map((k) => unifiedObjectDiff(k, old.get(k), now.get(k), 3, { from: 'before', to: 'after' })).join('');
  if (text.length <= limit) return text;
  const cut = text.lastIndexOf('\n', limit) + 1 || limit;
  const left = text.slice(cut).split('\n').filter((l) => l !== '').length;
  return `${text.slice(0, cut)}... ${left} more lines\n`;
}
