import { createTwoFilesPatch } from 'diff';
import yaml from 'js-yaml';
import type { KubeObject } from '@skiff/apimachinery';
import { isRecord } from './fieldPath.js';

/** Metadata the server owns: never part of what git says, so never part of a diff. */
const SERVER_METADATA = ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation', 'selfLink'];

/**
 * An object as a diff shows it: without status and the metadata the server writes, keys in
 * a stable order, so two objects that mean the same print the same.
 */
export function normalizeForDiff(obj: KubeObject): Record<string, unknown> {
  const copy = structuredClone(obj) as Record<string, unknown>;
  delete copy.status;
  const metadata = copy.metadata as Record<string, unknown>;
  for (const k of SERVER_METADATA) delete metadata[k];
  return sortKeys(copy) as Record<string, unknown>;
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isRecord(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys(value[k])]),
  );
}

/**
 * Replaces the values of Secrets' `data` and `stringData` by masks, the same value by the same
 * mask in both objects (`stringData` values are compared base64-encoded, as they are stored), so
 * a diff shows that a value changed and never what it is.
 */
export function maskSecrets(objects: readonly (KubeObject | undefined)[]): (KubeObject | undefined)[] {
  const masks = new Map<string, string>();
  const maskOf = (encoded: string): string => {
    let m = masks.get(encoded);
    if (!m) {
      m = `<secret value ${masks.size + 1}>`;
      masks.set(encoded, m);
    }
    return m;
  };
  return objects.map((obj) => {
    if (!obj || obj.kind !== 'Secret' || obj.apiVersion !== 'v1') return obj;
    const copy = structuredClone(obj) as KubeObject & { data?: Record<string, string>; stringData?: Record<string, string> };
    if (isRecord(copy.data)) for (const k of Object.keys(copy.data)) copy.data[k] = maskOf(String(copy.data[k]));
    if (isRecord(copy.stringData)) for (const k of Object.keys(copy.stringData)) copy.stringData[k] = maskOf(Buffer.from(String(copy.stringData[k]), 'utf8').toString('base64'));
    return copy;
  });
}

/**
 * The unified diff from `live` to `predicted` (either may be missing: a create or a prune), as
 * YAML with the given name on both sides (prefixed `live/` and `git/` unless `labels` say
 * otherwise); empty when they are the same after normalizing.
 */
export function unifiedObjectDiff(name: string, live: KubeObject | undefined, predicted: KubeObject | undefined, context = 3, labels = { from: 'live', to: 'git' }): string {
  const [l, p] = maskSecrets([live, predicted]);
  const before = l ? yaml.dump(normalizeForDiff(l), { lineWidth: -1, noRefs: true }) : '';
  const after = p ? yaml.dump(normalizeForDiff(p), { lineWidth: -1, noRefs: true }) : '';
  if (before === after) return '';
  return createTwoFilesPatch(live ? `${labels.from}/${name}` : '/dev/null', predicted ? `${labels.to}/${name}` : '/dev/null', before, after, undefined, undefined, { context });
}

const RED = '\u001b[31m';
const GREEN = '\u001b[32m';
const CYAN = '\u001b[36m';
const BOLD = '\u001b[1m';
const RESET = '\u001b[0m';

/** A unified diff with terminal colours: removed lines red, added green, hunk headers cyan. */
export function colorizeDiff(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      if (line.startsWith('+++') || line.startsWith('---') || line.startsWith('====')) return `${BOLD}${line}${RESET}`;
      if (line.startsWith('@@')) return `${CYAN}${line}${RESET}`;
      if (line.startsWith('+')) return `${GREEN}${line}${RESET}`;
      if (line.startsWith('-')) return `${RED}${line}${RESET}`;
      return line;
    })
    .join('\n');
}
