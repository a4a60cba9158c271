import type { ApplicationSpec } from './applicationSpec.js';
import type { ManifestsResult, RepoSources, SourceResult } from './repoSources.js';
import type { AppRef } from './tracking.js';

/** The spec the controller syncs, with the further sources of a multi-source Application. */
export type SyncSpec = ApplicationSpec & {
  /** More directories of the same repository and revision, synced together with `source` (Argo CD's `sources`). */
  additionalSources?: ApplicationSpec['source'][];
};

/**
 * The manifests of every source of an Application at the resolved commit, as one set: each
 * source's directory is read (and parsed) on its own, then their objects are united. Errors of
 * all sources are reported together.
 */
export async function manifestsOfSources(sources: RepoSources, resolved: Extract<SourceResult, { ok: true }>, spec: SyncSpec, app: AppRef): Promise<ManifestsResult> {
  // Each source is rendered on its own (a kustomize folder beside a Helm chart), with its own options.
  const reads = await Promise.all(sourceSpecs(spec).map((one) => sources.manifests(resolved, one, app)));
  if (reads.length === 1) return reads[0];
  const errors = reads.flatMap((r) => (r.ok ? [] : r.errors));
  if (errors.length) {
    const retries = reads.flatMap((r) => (!r.ok && r.retryAfterMs ? [r.retryAfterMs] : []));
    return { ok: false, errors, ...(retries.length ? { retryAfterMs: Math.min(...retries) } : {}) };
  }
  const ok = reads.filter((r): r is Extract<ManifestsResult, { ok: true }> => r.ok);
  return { ok: true, manifests: ok.flatMap((r) => r.manifests), texts: new Map(ok.flatMap((r) => [...r.texts])), warnings: ok.flatMap((r) => r.warnings) };
}

/** One spec per source of the Application, each with that source as `source`. */
export function sourceSpecs(spec: SyncSpec): ApplicationSpec[] {
  return [spec.source, ...(spec.additionalSources ?? [])].map((source) => ({ ...spec, source }));
}
