import type { PathSegment } from './yamlDocuments.js';

/**
 * Splits `spec.template.spec.containers[0].image`, `metadata.annotations[skiff.dev/sync-wave]` or
 * `spec.containers[name=web].image` into segments. `[key=x]` (a merge key's value) is resolved against
 * `value` to an index when given (or left as the string `key=x` when the list has no such item).
 */
export function parseFieldPath(fieldPath: string, value?: unknown): PathSegment[] {
  const segments: PathSegment[] = [];
  const re = /([^.[\]]+)|\[([^\]]*)\]/g;
  let current: unknown = value;
  for (const match of fieldPath.matchAll(re)) {
    let segment: PathSegment;
    if (match[1] !== undefined) segment = match[1];
    else if (/^\d+$/.test(match[2])) segment = Number(match[2]);
    else if (/^[A-Za-z]+=/.test(match[2]) && Array.isArray(current)) {
      const [key, ...rest] = match[2].split('=');
      const wanted = rest.join('=');
      const index = current.findIndex((item) => isRecord(item) && item[key] !== undefined && String(item[key]) === wanted);
      segment = index >= 0 ? index : match[2];
    } else segment = match[2];
    segments.push(segment);
    current = current === undefined || current === null ? undefined : (current as Record<PathSegment, unknown>)[segment];
  }
  return segments;
}

/** The inverse of `parseFieldPath` for display: keys that are not plain identifiers go in brackets. */
export function formatFieldPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (/^[A-Za-z]+=/.test(segment) || !/^[A-Za-z_$][\w$-]*$/.test(segment)) out += `[${segment}]`;
    else out += out ? `.${segment}` : segment;
  }
  return out;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
