import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readGitState, versionInfo } from './versionInfo.js';

const builtAt = new Date('2026-12-04T23:30:15.123Z');
const runtime = { node: '20.11.0', platform: 'linux', arch: 'x64' };
const commit = '41852e0e671dee4d452ec6693252d9ab2d773cfc';

describe('versionInfo', () => {
  it.each([
    ['a clean checkout', { commit, dirty: false }, `v1.32.0-skiff.0.1.0+41852e0e671d`, commit, 'clean'],
    ['a dirty checkout', { commit, dirty: true }, `v1.32.0-skiff.0.1.0+41852e0e671d-dirty`, commit, 'dirty'],
    ['no checkout', {}, 'v1.32.0-skiff.0.1.0', '', ''],
  ])('%s', (_name, git, gitVersion, gitCommit, gitTreeState) => {
    expect(versionInfo({ version: '0.1.0', builtAt, ...git }, runtime)).toEqual({
      major: '1',
      minor: '32',
      gitVersion,
      gitCommit,
      gitTreeState,
      buildDate: '2026-12-04T23:30:15Z',
      goVersion: 'node20.11.0',
      compiler: 'v8',
      platform: 'linux/amd64',
    });
  });
});

describe('readGitState', () => {
  it('is undefined outside a git checkout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-not-git-'));
    try {
      expect(await readGitState(dir)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
