import type { KubeObject } from '@skiff/apimachinery';

export const HOOK_ANNOTATION = 'argocd.argoproj.io/hook';
export const HOOK_DELETE_POLICY_ANNOTATION = 'argocd.argoproj.io/hook-delete-policy';
export const HELM_HOOK_ANNOTATION = 'helm.sh/hook';
export const HELM_HOOK_WEIGHT_ANNOTATION = 'helm.sh/hook-weight';
export const HELM_HOOK_DELETE_POLICY_ANNOTATION = 'helm.sh/hook-delete-policy';

export const HOOK_TYPES = ['PreSync', 'Sync', 'PostSync', 'SyncFail', 'Skip'] as const;
export type HookType = (typeof HOOK_TYPES)[number];
export const HOOK_DELETE_POLICIES = ['HookSucceeded', 'HookFailed', 'BeforeHookCreation'] as const;
export type HookDeletePolicy = (typeof HOOK_DELETE_POLICIES)[number];

/**
 * Helm hooks as Argo CD reads them: install and upgrade hooks run around the sync (a chart
 * rendered by `helm template` cannot tell an install from an upgrade); delete, rollback and
 * test hooks have no sync phase, so an object carrying only those is not applied at all.
 */
const HELM_HOOK_TYPES: Record<string, HookType> = {
  'crd-install': 'PreSync',
  'pre-install': 'PreSync',
  'pre-upgrade': 'PreSync',
  'post-install': 'PostSync',
  'post-upgrade': 'PostSync',
};
const HELM_DELETE_POLICIES: Record<string, HookDeletePolicy> = {
  'before-hook-creation': 'BeforeHookCreation',
  'hook-succeeded': 'HookSucceeded',
  'hook-failed': 'HookFailed',
};

function annotation(obj: KubeObject, name: string): string | undefined {
  const value = obj.metadata?.annotations?.[name];
  return typeof value === 'string' ? value : undefined;
}

function commaList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * The sync phases an object is a hook of, `[]` for an ordinary resource. Argo CD's annotation wins
 * over Helm's; `Skip` means "never apply". Example: `helm.sh/hook: pre-install,post-upgrade` ->
 * `['PreSync', 'PostSync']`; `helm.sh/hook: test` -> `['Skip']`.
 */
export function hookTypes(obj: KubeObject): HookType[] {
  const argo = annotation(obj, HOOK_ANNOTATION);
  if (argo !== undefined) return unique(commaList(argo).filter((t): t is HookType => (HOOK_TYPES as readonly string[]).includes(t)));
  const helm = annotation(obj, HELM_HOOK_ANNOTATION);
  if (helm === undefined) return [];
  const mapped = unique(commaList(helm).flatMap((t) => (HELM_HOOK_TYPES[t] ? [HELM_HOOK_TYPES[t]] : [])));
  return mapped.length ? mapped : ['Skip'];
}

/** How a hook is cleaned up; Argo CD's default, when none is given, is BeforeHookCreation. */
export function hookDeletePolicies(obj: KubeObject): HookDeletePolicy[] {
  const argo = annotation(obj, HOOK_DELETE_POLICY_ANNOTATION);
  const helm = annotation(obj, HELM_HOOK_DELETE_POLICY_ANNOTATION);
  const policies =
    argo !== undefined
      ? commaList(argo).filter((p): p is HookDeletePolicy => (HOOK_DELETE_POLICIES as readonly string[]).includes(p))
      : commaList(helm).flatMap((p) => (HELM_DELETE_POLICIES[p] ? [HELM_DELETE_POLICIES[p]] : []));
  return policies.length ? unique(policies) : ['BeforeHookCreation'];
}

/** Misspelled hook annotations, found when the manifests are read (a typo would silently make a hook an ordinary object). */
export function hookAnnotationErrors(obj: KubeObject): { annotation: string; message: string }[] {
  const errors: { annotation: string; message: string }[] = [];
  const check = (name: string, allowed: readonly string[]) => {
    const value = annotation(obj, name);
    if (value === undefined) return;
    const items = commaList(value);
    const bad = items.filter((t) => !allowed.includes(t));
    if (bad.length || !items.length) errors.push({ annotation: name, message: `${name} must be a comma-separated list of ${allowed.join(', ')}, got ${JSON.stringify(value)}` });
  };
  check(HOOK_ANNOTATION, HOOK_TYPES);
  check(HOOK_DELETE_POLICY_ANNOTATION, HOOK_DELETE_POLICIES);
  return errors;
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}
