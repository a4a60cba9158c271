import type { HelmSource } from './sourceSpec.js';

export interface HelmTemplateInput {
  helm: HelmSource;
  /** The Application's name: the release name when `helm.releaseName` is unset. */
  appName: string;
  /** The destination namespace (`--namespace`, what `.Release.Namespace` says). */
  namespace: string;
  /** The chart's folder (absolute, in the materialised tree). */
  chartDir: string;
  /** Values files that exist, already resolved against the chart's folder, in the given order. */
  valueFiles: string[];
  /** Files holding `values` and `valuesObject`, when set. */
  valuesFile?: string;
  valuesObjectFile?: string;
}

/**
 * The arguments of `helm template`, in Argo CD's precedence (later wins): valueFiles, then
 * `values`, then `valuesObject`, then parameters.
 *
 * Helm splits `--set a=x,b=y` at commas, so a comma inside a parameter's value is escaped:
 * `{name: hosts, value: "a,b"}` becomes `--set hosts=a\,b` (one value "a,b"), as Argo CD does.
 */
export function helmTemplateArgs(input: HelmTemplateInput): string[] {
  const { helm } = input;
  const args = ['template', helm.releaseName || input.appName, input.chartDir, '--namespace', input.namespace];
  if (!helm.skipCrds) args.push('--include-crds');
  for (const f of input.valueFiles) args.push('--values', f);
  if (input.valuesFile) args.push('--values', input.valuesFile);
  if (input.valuesObjectFile) args.push('--values', input.valuesObjectFile);
  for (const p of helm.parameters ?? []) {
    args.push(p.forceString ? '--set-string' : '--set', `${p.name}=${escapeCommas(p.value)}`);
  }
  return args;
}

function escapeCommas(value: string): string {
  return value.replace(/(\\*),/g, (m, slashes: string) => (slashes.length % 2 === 1 ? m : `${slashes}\\,`));
}

/**
 * The environment helm runs in: its cache, config and data directories inside the render's temp
 * dir, so it never reads the user's repositories or plugins from ~/.config and leaves nothing
 * behind; no proxy settings, since a render must not reach the network.
 */
export function helmEnv(tempDir: string, path = process.env.PATH ?? '/usr/bin:/bin'): Record<string, string> {
  return {
    PATH: path,
    HOME: tempDir,
    HELM_CACHE_HOME: `${tempDir}/.helm/cache`,
    HELM_CONFIG_HOME: `${tempDir}/.helm/config`,
    HELM_DATA_HOME: `${tempDir}/.helm/data`,
    HELM_PLUGINS: `${tempDir}/.helm/plugins`,
    HELM_REGISTRY_CONFIG: `${tempDir}/.helm/registry.json`,
    HELM_REPOSITORY_CONFIG: `${tempDir}/.helm/repositories.yaml`,
    HELM_REPOSITORY_CACHE: `${tempDir}/.helm/cache/repository`,
  };
}

/**
 * Chart dependencies (Chart.yaml `dependencies`) that are not vendored in the chart's `charts/`
 * folder, as a folder `<name>` or an archive `<name>-<version>.tgz`. Rendering has no network, so
 * each one is an error naming it (Argo CD would run `helm dependency build`).
 */
export function missingDependencies(chart: unknown, chartsEntries: readonly string[]): string[] {
  const deps = isRecord(chart) && Array.isArray(chart.dependencies) ? chart.dependencies : [];
  const missing: string[] = [];
  for (const d of deps) {
    if (!isRecord(d) || typeof d.name !== 'string') continue;
    const name = d.name;
    const version = typeof d.version === 'string' ? d.version : undefined;
    const vendored = chartsEntries.some((e) => e === name || (e.startsWith(`${name}-`) && e.endsWith('.tgz') && (!version || !/^[\d.]+$/.test(version) || e === `${name}-${version}.tgz`)));
    if (!vendored) missing.push(version ? `${name} ${version}` : name);
  }
  return missing;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
