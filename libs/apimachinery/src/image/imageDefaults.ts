import type { KubeObject } from '../types.js';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Flux's CRD defaults: cosign signature tags (`*.sig`) are not images, so they are excluded unless a list is given. */
export function defaultImageRepository(repo: KubeObject): void {
  const spec = repo.spec as Json | undefined;
  if (isObject(spec) && spec.exclusionList === undefined) spec.exclusionList = ['^.*\\.sig$'];
}

/** An alphabetical or numerical policy without an order is ascending: the last tag wins. */
export function defaultImagePolicy(policy: KubeObject): void {
  const choice = (policy.spec as Json | undefined)?.policy;
  if (!isObject(choice)) return;
  for (const ordered of ['alphabetical', 'numerical']) {
    const o = choice[ordered];
    if (isObject(o) && (o.order === undefined || o.order === '')) o.order = 'asc';
  }
}

/** The Setters strategy is the only one, and the default; the source is an Application. */
export function defaultImageUpdateAutomation(auto: KubeObject): void {
  const spec = auto.spec as Json | undefined;
  if (!isObject(spec)) return;
  if (spec.update === undefined) spec.update = { strategy: 'Setters' };
  else if (isObject(spec.update) && (spec.update.strategy === undefined || spec.update.strategy === '')) spec.update.strategy = 'Setters';
  if (isObject(spec.sourceRef) && spec.sourceRef.kind === undefined) spec.sourceRef.kind = 'Application';
}
