import { describe, expect, it } from 'vitest';
import { localRepoPath } from './applicationSpec.js';

describe('localRepoPath', () => {
  it.each([
    { url: '/srv/git/shop', path: '/srv/git/shop' },
    { url: '/srv/git/shop.git', path: '/srv/git/shop.git' },
    { url: './shop', path: './shop' },
    { url: '../repos/shop', path: '../repos/shop' },
    { url: 'file:///srv/git/shop', path: '/srv/git/shop' },
    { url: 'file:///tmp/my%20repo', path: '/tmp/my repo' },
    { url: 'file:///tmp/caf%C3%A9', path: '/tmp/café' },
    { url: 'https://github.com/acme/shop.git', path: undefined },
    { url: 'http://127.0.0.1:8080/shop.git', path: undefined },
    { url: 'git@github.com:acme/shop.git', path: undefined },
    { url: 'shop', path: undefined },
    { url: '', path: undefined },
  ])('$url -> $path', ({ url, path }) => {
    expect(localRepoPath(url)).toBe(path);
  });
});
