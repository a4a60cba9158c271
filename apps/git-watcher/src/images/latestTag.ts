import semver from 'semver';
import { goRegExp, type ImagePolicy } from '@skiff/apimachinery';

export type LatestTag = { ok: true; tag: string } | { ok: false; reason: string; message: string };

/** Go's `regexp.Expand` templates as Flux's `extract` takes them: `$1`, `$name`, `${name}`, `$$`. */
export function expandExtract(template: string, match: RegExpExecArray): string {
  return template.replace(/\$(?:\$|\{(\w+)\}|(\w+))/g, (whole, braced: string | undefined, bare: string | undefined) => {
    if (whole === '$$') return '$';
    const name = braced ?? bare!;
    const value = /^\d+$/.test(name) ? match[Number(name)] : match.groups?.[name];
    return value ?? '';
  });
}

/**
 * A tag read as a version the way Flux's semver library reads it: a leading `v`, and missing
 * minor or patch numbers are allowed (`v1.2` is 1.2.0); anything else is not a version and takes
 * no part. Pre-releases stay pre-releases.
 */
export function tagVersion(tag: string): semver.SemVer | undefined {
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/.exec(tag);
  if (!m) return undefined;
  const text = `${m[1]}.${m[2] ?? 0}.${m[3] ?? 0}${m[4] ?? ''}${m[5] ?? ''}`;
  try {
    return new semver.SemVer(text);
  } catch {
    return undefined;
  }
}

/**
 * The tag an ImagePolicy chooses among `tags`: after `filterTags` (only tags matching `pattern`,
 * compared by what `extract` takes from them), the highest version within the semver range (a
 * pre-release only when the range names one of the same major.minor.patch, as npm's semver and
 * Flux's both rule), or the last tag in alphabetical or numerical order (`desc`: the first).
 * Returns why not as a value: no tag left, a numerical policy over a tag that is not a number.
 */
export function latestTag(tags: readonly string[], spec: ImagePolicy['spec']): LatestTag {
  let candidates = tags.map((tag) => ({ tag, value: tag }));
  const pattern = spec.filterTags?.pattern;
  if (pattern) {
    const re = goRegExp(pattern);
    candidates = candidates.flatMap(({ tag }) => {
      const m = re.exec(tag);
      if (!m) return [];
      return [{ tag, value: spec.filterTags?.extract ? expandExtract(spec.filterTags.extract, m) : tag }];
    });
  }
  const none = (what: string): LatestTag => ({ ok: false, reason: 'NoTagFound', message: `no tag ${what}${pattern ? ` among the ${candidates.length} matching ${JSON.stringify(pattern)}` : ''} (${tags.length} tags scanned)` });
  const { semver: range, alphabetical, numerical } = spec.policy;

  if (range) {
    let best: { tag: string; version: semver.SemVer } | undefined;
    for (const c of candidates) {
      const version = tagVersion(c.value);
      if (!version || !semver.satisfies(version, range.range)) continue;
      // Equal versions (v1.0.0 and 1.0.0): the alphabetically later tag, so the choice does not depend on listing order.
      if (!best || semver.gt(version, best.version) || (semver.eq(version, best.version) && c.tag > best.tag)) best = { tag: c.tag, version };
    }
    return best ? { ok: true, tag: best.tag } : none(`satisfies semver range ${JSON.stringify(range.range)}`);
  }

  if (numerical) {
    const numbers: { tag: string; n: number }[] = [];
    for (const c of candidates) {
      const n = c.value.trim() === '' ? NaN : Number(c.value);
      if (!Number.isFinite(n)) return { ok: false, reason: 'InvalidTag', message: `tag ${JSON.stringify(c.tag)} is not a number (${JSON.stringify(c.value)}); use filterTags to select and extract numbers` };
      numbers.push({ tag: c.tag, n });
    }
    if (numbers.length === 0) return none('to order numerically');
    numbers.sort((a, b) => a.n - b.n || compareStrings(a.tag, b.tag));
    return { ok: true, tag: (numerical.order === 'desc' ? numbers[0] : numbers.at(-1)!).tag };
  }

  if (alphabetical) {
    if (candidates.length === 0) return none('to order alphabetically');
    const sorted = [...candidates].sort((a, b) => compareStrings(a.value, b.value) || compareStrings(a.tag, b.tag));
    return { ok: true, tag: (alphabetical.order === 'desc' ? sorted[0] : sorted.at(-1)!).tag };
  }
  return { ok: false, reason: 'InvalidPolicy', message: 'the policy sets none of semver, alphabetical, numerical' };
}

/** Byte order, as Go's sort.Strings: not the locale's. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
