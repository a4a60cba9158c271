import { describe, expect, it } from 'vitest';
import { redactCredentials } from './redactCredentials.js';

describe('redactCredentials', () => {
  it.each([
    ['user and password', 'https://bot:s3cret@git.example.com/shop.git', 'https://git.example.com/shop.git'],
    ['a token alone', 'https://ghp_abc123@github.com/o/r', 'https://github.com/o/r'],
    ['a password holding @ and :', 'https://bot:p@ss:w@rd@git.example.com:8443/r.git', 'https://git.example.com:8443/r.git'],
    ['plain http', 'http://u:p@127.0.0.1:8080/r.git', 'http://127.0.0.1:8080/r.git'],
    ['inside a message, twice', 'cloning https://a:b@h/r.git failed; see http://c:d@h2/x', 'cloning https://h/r.git failed; see http://h2/x'],
    ['an ssh user is kept', 'ssh://git@github.com/o/r.git', 'ssh://git@github.com/o/r.git'],
    ['an ssh password is not', 'ssh://git:pw@github.com/o/r.git', 'ssh://github.com/o/r.git'],
    ['no credentials', 'https://github.com/o/r.git at main', 'https://github.com/o/r.git at main'],
    ['an @ in the path is not user information', 'https://github.com/o/r@v1', 'https://github.com/o/r@v1'],
    ['a local path', '/srv/git/shop', '/srv/git/shop'],
  ])('%s', (_name, input, expected) => {
    expect(redactCredentials(input)).toBe(expected);
  });
});
