import type { KubeObject } from '@skiff/apimachinery';

export const SYNC_OPTIONS_ANNOTATION = 'argocd.argoproj.io/sync-options';
export const COMPARE_OPTIONS_ANNOTATION = 'argocd.argoproj.io/compare-options';

/**
 * `Key=Value` options, from a list (an Application's `syncPolicy.syncOptions`) or a comma-separated
 * annotation (`argocd.argoproj.io/sync-options: Prune=false,Replace=true`). Later entries win.
 */
export function parseSyncOptions(items: readonly string[] | string | undefined): Map<string, string> {
  const list = typeof items === 'string' ? items.split(',') : (items ?? []);
  const out = new Map<string, string>();
  for (const raw of list) {
    const item = raw.trim();
    const i = item.indexOf('=');
    if (i > 0) out.set(item.slice(0, i).trim(), item.slice(i + 1).trim());
  }
  return out;
}

/** An object's own `argocd.argoproj.io/sync-options`. */
export function resourceSyncOptions(obj: KubeObject): Map<string, string> {
  return parseSyncOptions(obj.metadata?.annotations?.[SYNC_OPTIONS_ANNOTATION]);
}

/** An object's `argocd.argoproj.io/compare-options` (e.g. IgnoreExtraneous), as a set. */
export function compareOptions(obj: KubeObject): Set<string> {
  const raw = obj.metadata?.annotations?.[COMPARE_OPTIONS_ANNOTATION];
  return new Set((raw ?? '').split(',').map((s) => s.trim()).filter(Boolean));
}
