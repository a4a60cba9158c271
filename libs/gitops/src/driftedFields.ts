import type { PatchSchema } from '@skiff/apimachinery';
import { formatFieldPath, isRecord } from './fieldPath.js';
import type { PathSegment } from './yamlDocuments.js';

export interface DriftedField {
  /** `spec.replicas`, `spec.template.spec.containers[name=web].image`, `metadata.labels[app.kubernetes.io/name]`. */
  path: string;
  desired: unknown;
  /** `undefined` when the live object lacks the field. */
  live: unknown;
  /** Where the field is in the manifest and in the live object, as JSON path segments (list items by index; -1 for a live item that is missing). */
  desiredPath: (string | number)[];
  livePath: (string | number)[];
}

/**
 * Where `live` differs from what the manifest (`desired`) sets. Only fields present in the manifest
 * count, so server defaults, status and fields other managers own are not drift. Lists follow the
 * kind's strategic-merge schema, the one patches and server-side apply use:
 * - maps are compared per key of the desired map;
 * - lists with a merge key (containers by `name`, Service ports by `port`, conditions by `type`)
 *   are matched by that key, and extra live items are not drift (someone else may own them, as with
 *   server-side apply);
 * - primitive lists that merge as sets (finalizers) drift only when a desired item is missing;
 * - other lists of objects are matched by index, and a length difference is drift;
 * - other lists of scalars (args, command) are atomic: any difference reports the whole list.
 * Example: desired `{spec: {replicas: 2}}`, live `{spec: {replicas: 5, paused: false}}` ->
 * `[{ path: 'spec.replicas', desired: 2, live: 5 }]`.
 */
export function driftedFields(desired: object, live: object, schema: PatchSchema): DriftedField[] {
  const out: DriftedField[] = [];
  const secret = isSecret(desired);
  compare(secret ? secretAsStored(desired) : desired, live, { path: [], dp: [], lp: [] }, '', schema, out);
  return secret ? out.map(maskSecretValue) : out;
}

function isSecret(obj: object): boolean {
  return (obj as { apiVersion?: string; kind?: string }).apiVersion === 'v1' && (obj as { kind?: string }).kind === 'Secret';
}

/**
 * A Secret as the API server stores it: `stringData` is write-only, folded into `data` base64-encoded
 * (its keys win), so a manifest using it is not drift forever against the stored object.
 */
function secretAsStored(secret: object): object {
  const { stringData, ...rest } = secret as { stringData?: unknown; data?: unknown };
  if (!isRecord(stringData)) return secret;
  const data: Record<string, unknown> = isRecord(rest.data) ? { ...rest.data } : {};
  for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
  return { ...rest, data };
}

/** Secret values never leave in a drift report (Events, status, webhooks): only that they differ. */
function maskSecretValue(f: DriftedField): DriftedField {
  if (!/^(data|stringData)\b/.test(f.path)) return f;
  return { ...f, desired: f.desired === undefined ? undefined : '<secret value in git>', live: f.live === undefined ? undefined : '<live secret value>' };
}

interface Where {
  path: PathSegment[];
  dp: (string | number)[];
  lp: (string | number)[];
}

function compare(desired: unknown, live: unknown, at: Where, schemaPath: string, schema: PatchSchema, out: DriftedField[]): void {
  const { path } = at;
  const report = (): void => void out.push({ path: formatFieldPath(path), desired, live, desiredPath: at.dp, livePath: at.lp });
  const child = (seg: PathSegment, d: string | number, l: string | number): Where => ({ path: [...path, seg], dp: [...at.dp, d], lp: [...at.lp, l] });
  if (isRecord(desired)) {
    if (!isRecord(live)) return report();
    for (const [key, value] of Object.entries(desired)) compare(value, live[key], child(key, key, key), schemaPath ? `${schemaPath}.${key}` : key, schema, out);
    return;
  }
  if (Array.isArray(desired)) {
    if (!Array.isArray(live)) return report();
    const strategy = schema.list(schemaPath);
    const itemPath = `${schemaPath}[]`;
    if (strategy?.mergeKey) {
      const key = strategy.mergeKey;
      desired.forEach((item, i) => {
        if (!isRecord(item) || item[key] === undefined) return;
        const j = live.findIndex((l) => isRecord(l) && sameScalar(l[key], item[key]));
        compare(item, j >= 0 ? live[j] : undefined, child(`${key}=${String(item[key])}`, i, j), itemPath, schema, out);
      });
      return;
    }
    if (strategy?.strategy === 'merge') {
      if (desired.some((item) => !live.some((l) => sameScalar(l, item)))) report();
      return;
    }
    if (desired.some((item) => isRecord(item) || Array.isArray(item))) {
      desired.forEach((item, i) => compare(item, live[i], child(i, i, i), itemPath, schema, out));
      for (let i = desired.length; i < live.length; i++) out.push({ path: formatFieldPath([...path, i]), desired: undefined, live: live[i], desiredPath: [...at.dp, i], livePath: [...at.lp, i] });
      return;
    }
    if (desired.length !== live.length || desired.some((item, i) => !sameScalar(item, live[i]))) report();
    return;
  }
  // A manifest's `field: null` means "unset": drift only if the live object has a value.
  if (desired === null || desired === undefined) {
    if (live !== null && live !== undefined) report();
    return;
  }
  if (!sameScalar(desired, live)) report();
}

function sameScalar(a: unknown, b: unknown): boolean {
  return a === b;
}
