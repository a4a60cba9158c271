import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bearerToken, redisUrl } from './credentials.js';

describe('bearerToken', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-credentials-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  };

  it.each([
    ['--token wins over the file and the environment', () => ({ token: 'flag', tokenFile: file('a', 'from-file\n') }), { SKIFF_TOKEN: 'env' }, 'flag'],
    ['--token-file: its first line, trimmed', () => ({ tokenFile: file('b', '  from-file \nignored\n') }), { SKIFF_TOKEN: 'env' }, 'from-file'],
    ['SKIFF_TOKEN when no flag is given', () => ({}), { SKIFF_TOKEN: 'env' }, 'env'],
    ['nothing given', () => ({}), {}, undefined],
  ])('%s', (_name, sources, env, expected) => {
    expect(bearerToken(sources(), env)).toBe(expected);
  });

  it('refuses an empty token file and names it', () => {
    const path = file('empty', '\n');
    expect(() => bearerToken({ tokenFile: path }, {})).toThrow(`${path}: the token file is empty`);
  });
});

describe('redisUrl', () => {
  it.each([
    ['redis://flag', { REDIS_URL: 'redis://env' }, 'redis://flag'],
    [undefined, { REDIS_URL: 'redis://:pw@env' }, 'redis://:pw@env'],
    [undefined, {}, 'redis://127.0.0.1:6379'],
  ])('flag %s, env %o: %s', (flag, env, expected) => {
    expect(redisUrl(flag, env)).toBe(expected);
  });
});
