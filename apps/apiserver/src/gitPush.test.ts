import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { applicationFollows, normalizeRepoURL, parsePush, verifyDelivery, type Push } from './gitPush.js';

describe('normalizeRepoURL', () => {
  it.each([
    ['https://user:tok@GitHub.com/Org/Shop.git/', 'github.com/Org/Shop'],
    ['http://github.com/Org/Shop', 'github.com/Org/Shop'],
    ['git@github.com:Org/Shop.git', 'github.com/Org/Shop'],
    ['ssh://git@github.com:22/Org/Shop.git', 'github.com/Org/Shop'],
    ['git://github.com/Org/Shop.git', 'github.com/Org/Shop'],
    ['http://localhost:3000/org/site.git', 'localhost:3000/org/site'],
    ['file:///srv/git/shop.git', '/srv/git/shop'],
    ['/srv/git/shop/', '/srv/git/shop'],
  ])('%s -> %s', (raw, normalized) => {
    expect(normalizeRepoURL(raw)).toBe(normalized);
  });
});

const app = (repoURL: string, targetRevision?: string): KubeObject => ({
  apiVersion: 'skiff.dev/v1alpha1',
  kind: 'Application',
  metadata: { name: 'a', namespace: 'default' },
  spec: { source: { repoURL, ...(targetRevision !== undefined ? { targetRevision } : {}) } },
});

describe('applicationFollows', () => {
  const push = (branch: string | undefined, defaultBranch?: string): Push => ({ repositories: ['github.com/org/shop'], ...(branch ? { branch } : {}), ...(defaultBranch ? { defaultBranch } : {}) });

  it.each<[string, KubeObject, Push, boolean]>([
    ['same repo and branch', app('https://github.com/org/shop.git', 'main'), push('main', 'main'), true],
    ['refs/heads/ spelled out', app('https://github.com/org/shop', 'refs/heads/dev'), push('dev', 'main'), true],
    ['another branch', app('https://github.com/org/shop', 'dev'), push('main', 'main'), false],
    ['another repository', app('https://github.com/org/other', 'main'), push('main', 'main'), false],
    ['HEAD and a push to the default branch', app('https://github.com/org/shop', 'HEAD'), push('main', 'main'), true],
    ['HEAD and a push to a feature branch', app('https://github.com/org/shop', 'HEAD'), push('feature', 'main'), false],
    ['no revision and an unknown default branch', app('https://github.com/org/shop'), push('feature'), true],
    ['a tag push', app('https://github.com/org/shop', 'main'), push(undefined, 'main'), false],
  ])('%s', (_name, application, p, follows) => {
    expect(applicationFollows(application, p)).toBe(follows);
  });
});

describe('parsePush', () => {
  it('reads GitLab project URLs, branch and default branch', () => {
    const p = parsePush('gitlab', { ref: 'refs/heads/main', project: { git_http_url: 'https://gitlab.example.com/g/api.git', git_ssh_url: 'git@gitlab.example.com:g/api.git', web_url: 'https://gitlab.example.com/g/api', default_branch: 'main' } });
    expect(p).toEqual({ repositories: ['gitlab.example.com/g/api'], branch: 'main', defaultBranch: 'main' });
  });

  it('reads tag pushes as having no branch', () => {
    expect(parsePush('github', { ref: 'refs/tags/v1', repository: { clone_url: 'https://github.com/o/r.git' } })).toEqual({ repositories: ['github.com/o/r'] });
  });
});

describe('verifyDelivery', () => {
  const body = Buffer.from('{"ref":"refs/heads/main"}');
  const hex = createHmac('sha256', 's3cret').update(body).digest('hex');

  it.each<[string, Record<string, string>, string | undefined, boolean]>([
    ['GitHub, good signature', { 'x-hub-signature-256': `sha256=${hex}`, 'x-github-event': 'push' }, 's3cret', true],
    ['GitHub, signature without prefix', { 'x-hub-signature-256': hex }, 's3cret', false],
    ['Gitea, good signature', { 'x-gitea-signature': hex, 'x-gitea-event': 'push' }, 's3cret', true],
    ['Gitea, signed with another secret', { 'x-gitea-signature': createHmac('sha256', 'other').update(body).digest('hex') }, 's3cret', false],
    ['GitLab, right token', { 'x-gitlab-token': 's3cret', 'x-gitlab-event': 'Push Hook' }, 's3cret', true],
    ['GitLab, token prefix', { 'x-gitlab-token': 's3c' }, 's3cret', false],
    ['no secret configured', { 'x-gitlab-token': '' }, undefined, false],
  ])('%s', (_name, headers, secret, ok) => {
    expect(verifyDelivery(headers, body, secret).ok).toBe(ok);
  });
});
