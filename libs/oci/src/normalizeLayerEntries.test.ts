import { describe, expect, it } from 'vitest';
import { InvalidLayerEntryError } from './invalidLayerEntryError.js';
import { normalizeLayerEntries } from './normalizeLayerEntries.js';
import type { LayerEntry } from './types.js';

const summary = (entries: LayerEntry[]) => normalizeLayerEntries(entries).map((e) => `${e.type} ${e.name} ${e.mode.toString(8)} ${e.uid}:${e.gid}`);

describe('normalizeLayerEntries', () => {
  it('adds missing parents as root-owned 0755 dirs and sorts parents before children', () => {
    expect(summary([{ path: '/usr/local/bin/app', type: 'file', mode: 0o755 }, { path: '/etc/hosts', type: 'file' }])).toEqual([
      'dir etc 755 0:0',
      'file etc/hosts 644 0:0',
      'dir usr 755 0:0',
      'dir usr/local 755 0:0',
      'dir usr/local/bin 755 0:0',
      'file usr/local/bin/app 755 0:0',
    ]);
  });

  it('keeps an explicitly listed parent as given', () => {
    expect(summary([{ path: '/tmp/x', type: 'file' }, { path: '/tmp', type: 'dir', mode: 0o1777, uid: 1, gid: 2 }])).toEqual([
      'dir tmp 1777 1:2',
      'file tmp/x 644 0:0',
    ]);
  });

  it('gives the same order whatever order the caller used', () => {
    const entries: LayerEntry[] = [
      { path: 'b-c', type: 'dir' },
      { path: 'b/c', type: 'dir' },
      { path: 'a', type: 'symlink', linkTarget: 'b' },
      { path: 'B', type: 'dir' },
    ];
    expect(normalizeLayerEntries(entries)).toEqual(normalizeLayerEntries([...entries].reverse()));
    expect(summary(entries)).toEqual(['dir B 755 0:0', 'symlink a 777 0:0', 'dir b 755 0:0', 'dir b-c 755 0:0', 'dir b/c 755 0:0']);
  });

  it('writes string content as UTF-8', () => {
    expect(normalizeLayerEntries([{ path: '/f', type: 'file', content: 'é' }])[0].content).toEqual(Buffer.from([0xc3, 0xa9]));
  });

  it.each<[string, LayerEntry[], RegExp]>([
    ['the root', [{ path: '/', type: 'dir' }], /image root/],
    ['a ".." segment', [{ path: '/a/../etc/passwd', type: 'file' }], /"\.\."/],
    ['an empty segment', [{ path: 'a//b', type: 'file' }], /empty/],
    ['a duplicate', [{ path: '/a', type: 'file' }, { path: 'a/', type: 'dir' }], /twice/],
    ['a file as a parent', [{ path: '/a', type: 'file' }, { path: '/a/b', type: 'file' }], /parent \/a is a file/],
    ['a symlink without target', [{ path: '/a', type: 'symlink' }], /linkTarget/],
    ['content on a dir', [{ path: '/a', type: 'dir', content: 'x' }], /no content/],
    ['a target on a file', [{ path: '/a', type: 'file', linkTarget: 'x' }], /no linkTarget/],
    ['a mode with file-type bits', [{ path: '/a', type: 'file', mode: 0o100644 }], /mode/],
    ['a negative uid', [{ path: '/a', type: 'file', uid: -1 }], /uid/],
  ])('refuses %s', (_, entries, message) => {
    expect(() => normalizeLayerEntries(entries)).toThrow(InvalidLayerEntryError);
    expect(() => normalizeLayerEntries(entries)).toThrow(message);
  });
});
