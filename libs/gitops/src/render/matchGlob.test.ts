import { describe, expect, it } from 'vitest';
import { directoryFileSelected, matchGlob } from './matchGlob.js';

describe('matchGlob', () => {
  it.each([
    ['*.yaml', 'web.yaml', true],
    ['*.yaml', 'sub/web.yaml', true],
    ['*.yaml', 'web.json', false],
    ['some-dir/*', 'some-dir/a.yaml', true],
    ['some-dir/*', 'other/a.yaml', false],
    ['{config.json,env-b/*}', 'config.json', true],
    ['{config.json,env-b/*}', 'env-b/x.yaml', true],
    ['{config.json,env-b/*}', 'env-a/x.yaml', false],
    ['web-?.yaml', 'web-1.yaml', true],
    ['web-[ab].yaml', 'web-c.yaml', false],
    ['a.b', 'axb', false],
  ])('%s matches %s: %s', (pattern, path, want) => {
    expect(matchGlob(pattern, path)).toBe(want);
  });
});

describe('directoryFileSelected', () => {
  it.each([
    { rel: 'a.yaml', filter: { recurse: false }, want: true },
    { rel: 'sub/a.yaml', filter: { recurse: false }, want: false },
    { rel: 'sub/a.yaml', filter: { recurse: true }, want: true },
    { rel: 'a.yaml', filter: { recurse: true, include: '*.json' }, want: false },
    { rel: 'a.yaml', filter: { recurse: true, include: '*.yaml', exclude: 'a.yaml' }, want: false },
    { rel: 'b.yaml', filter: { recurse: true, include: '*.yaml', exclude: 'a.yaml' }, want: true },
  ])('$rel with $filter: $want', ({ rel, filter, want }) => {
    expect(directoryFileSelected(rel, filter)).toBe(want);
  });
});
