import { describe, expect, it } from 'vitest';
import type { ImagePolicy } from '@skiff/apimachinery';
import { expandExtract, latestTag } from './latestTag.js';

type Spec = ImagePolicy['spec'];
const spec = (policy: Spec['policy'], filterTags?: Spec['filterTags']): Spec => ({ imageRepositoryRef: { name: 'hello' }, policy, ...(filterTags ? { filterTags } : {}) });
const semverPolicy = (range: string, filterTags?: Spec['filterTags']) => spec({ semver: { range } }, filterTags);

describe('latestTag', () => {
  it.each<[string, string[], Spec, string]>([
    ['the highest version in range', ['1.0.0', '1.0.1', '1.0.2', '0.9.9'], semverPolicy('~1.0'), '1.0.2'],
    ['ignores a version out of range', ['1.0.0', '1.0.1', '2.0.0', '1.1.0'], semverPolicy('~1.0'), '1.0.1'],
    ['caret ranges stay in the major', ['1.2.0', '1.9.3', '2.0.0'], semverPolicy('^1.2.0'), '1.9.3'],
    ['a compound range', ['1.0.0', '1.5.0', '2.0.0', '2.1.0'], semverPolicy('>=1.0.0 <2.0.0'), '1.5.0'],
    ['x-ranges', ['5.1.0', '5.1.4', '5.2.0'], semverPolicy('5.1.x'), '5.1.4'],
    ['skips tags that are not versions', ['latest', 'main-abc123', '1.0.0', 'sha256-deadbeef.sig'], semverPolicy('>=0.0.0'), '1.0.0'],
    ['reads v-prefixed and short versions', ['v1.0.3', '1.0', 'v1.0.2'], semverPolicy('~1.0'), 'v1.0.3'],
    ['leaves pre-releases out unless the range asks', ['1.0.0', '1.0.1-rc.1', '1.1.0-alpha'], semverPolicy('~1.0'), '1.0.0'],
    ['takes a pre-release the range names', ['1.0.0', '1.0.1-rc.1', '1.0.1-rc.2'], semverPolicy('>=1.0.1-rc.0 <1.1.0'), '1.0.1-rc.2'],
    ['a release beats its pre-releases', ['1.0.1-rc.2', '1.0.1'], semverPolicy('>=1.0.1-rc.0'), '1.0.1'],
    ['alphabetical ascending: the last', ['a', 'c', 'b'], spec({ alphabetical: { order: 'asc' } }), 'c'],
    ['alphabetical descending: the first', ['b', 'a', 'c'], spec({ alphabetical: { order: 'desc' } }), 'a'],
    ['alphabetical is byte order, not numeric', ['9', '10', '11'], spec({ alphabetical: {} }), '9'],
    ['numerical orders numbers', ['9', '10', '2'], spec({ numerical: { order: 'asc' } }), '10'],
    ['numerical descending', ['9', '10', '2'], spec({ numerical: { order: 'desc' } }), '2'],
    ['filterTags keeps matching tags only', ['main-1', 'main-3', 'dev-9'], spec({ alphabetical: {} }, { pattern: '^main-' }), 'main-3'],
    ['extract compares the group, returns the tag', ['main-abc-1612', 'main-def-1700', 'main-aaa-999'], spec({ numerical: {} }, { pattern: '^main-[a-f0-9]+-(?<ts>\\d+)$', extract: '$ts' }), 'main-def-1700'],
    ['Go named groups (?P<name>) as Flux users write them', ['main-a-5', 'main-b-12'], spec({ numerical: {} }, { pattern: '^main-[a-z]+-(?P<n>\\d+)$', extract: '$n' }), 'main-b-12'],
    ['extract by number into semver', ['app-1.2.0', 'app-1.10.0', 'other-9.0.0'], semverPolicy('^1.0.0', { pattern: '^app-(\\d+\\.\\d+\\.\\d+)$', extract: '$1' }), 'app-1.10.0'],
  ])('%s', (_, tags, policy, want) => {
    expect(latestTag(tags, policy)).toEqual({ ok: true, tag: want });
  });

  it('says why when no tag satisfies the range', () => {
    const r = latestTag(['2.0.0', 'latest'], semverPolicy('~1.0'));
    expect(r).toEqual({ ok: false, reason: 'NoTagFound', message: 'no tag satisfies semver range "~1.0" (2 tags scanned)' });
  });

  it('refuses a numerical policy over a tag that is not a number, naming it', () => {
    const r = latestTag(['1', 'latest'], spec({ numerical: { order: 'asc' } }));
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(/^tag "latest" is not a number/);
  });

  it('gives the same answer whatever order the registry lists tags in', () => {
    const tags = ['1.0.0', 'v1.0.1', '1.0.1', '0.1.0'];
    const answers = new Set([tags, [...tags].reverse()].map((t) => JSON.stringify(latestTag(t, semverPolicy('~1.0')))));
    expect([...answers]).toEqual([JSON.stringify({ ok: true, tag: 'v1.0.1' })]);
  });
});

describe('expandExtract', () => {
  const m = /^(?<env>\w+)-(\d+)$/.exec('prod-42')!;
  it.each([
    ['$1', 'prod'],
    ['$2', '42'],
    ['$env', 'prod'],
    ['${env}x', 'prodx'],
    ['$$1', '$1'],
    ['$missing', ''],
  ])('%s -> %s', (template, want) => expect(expandExtract(template, m)).toBe(want));
});
