import type { KubeObject } from '@skiff/apimachinery';
import { describe, expect, it } from 'vitest';
import { entriesOfEnvironment, entriesOfSecrets, repoCredentialsFor, type RepoCredentialEntry } from './repoCredentials.js';

const entry = (kind: RepoCredentialEntry['kind'], url: string, password: string): RepoCredentialEntry => ({ kind, url, username: 'bot', password, source: password });

describe('repoCredentialsFor', () => {
  const entries = [
    entry('repo-creds', 'https://git.example.com', 'host-wide'),
    entry('repo-creds', 'https://git.example.com/shop', 'shop-org'),
    entry('repository', 'https://git.example.com/shop/web.git', 'web-only'),
    entry('repository', 'https://other.example.com/x', ''),
  ];
  it.each([
    ['an exact repository entry wins over prefixes', 'https://git.example.com/shop/web.git', 'web-only'],
    ['exact ignores .git, a trailing slash and case', 'https://Git.Example.com/shop/web/', 'web-only'],
    ['the longest prefix wins', 'https://git.example.com/shop/api.git', 'shop-org'],
    ['a shorter prefix when the longer does not match', 'https://git.example.com/infra/base.git', 'host-wide'],
    ['credentials in the URL do not change the match', 'https://someone:pw@git.example.com/shop/web.git', 'web-only'],
    ['a host the prefix only starts is another host', 'https://git.example.com.evil.net/shop/web.git', undefined],
    ['another port is another host', 'https://git.example.com:8443/shop/web.git', undefined],
    ['a prefix covers whole path segments only', 'https://git.example.com/shopping/web.git', 'host-wide'],
    ['another host gets none', 'https://evil.example.net/shop/web.git', undefined],
    ['the same host over http is another prefix', 'http://git.example.com/shop/web2.git', undefined],
    ['an entry without a password is none', 'https://other.example.com/x', undefined],
  ])('%s', (_name, url, expected) => {
    expect(repoCredentialsFor(url, entries)?.source).toBe(expected);
  });
});

describe('entriesOfSecrets', () => {
  const secret = (name: string, labels: Record<string, string>, data: Record<string, string>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'argocd', labels },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])),
  } as KubeObject);
  it('reads labelled git Secrets and skips the rest', () => {
    const entries = entriesOfSecrets([
      secret('repo', { 'argocd.argoproj.io/secret-type': 'repository' }, { type: 'git', url: 'https://h/r.git', username: 'u', password: 'p' }),
      secret('creds', { 'argocd.argoproj.io/secret-type': 'repo-creds' }, { url: 'https://h/', password: 'token' }),
      secret('helm', { 'argocd.argoproj.io/secret-type': 'repository' }, { type: 'helm', url: 'https://charts', password: 'p' }),
      secret('cluster', { 'argocd.argoproj.io/secret-type': 'cluster' }, { url: 'https://h/', password: 'p' }),
      secret('unlabelled', {}, { url: 'https://h/', password: 'p' }),
      secret('ssh', { 'argocd.argoproj.io/secret-type': 'repository' }, { url: 'git@h:org/r.git', sshPrivateKey: 'KEY', insecure: 'true' }),
    ]);
    expect(entries).toEqual([
      { kind: 'repository', url: 'https://h/r.git', username: 'u', password: 'p', source: 'argocd/repo' },
      { kind: 'repo-creds', url: 'https://h/', username: undefined, password: 'token', source: 'argocd/creds' },
      { kind: 'repository', url: 'git@h:org/r.git', sshPrivateKey: 'KEY', insecure: true, source: 'argocd/ssh' },
    ]);
    expect(repoCredentialsFor('git@h:org/r.git', entries)).toEqual({ username: '', password: '', sshPrivateKey: 'KEY', insecureIgnoreHostKey: true, source: 'argocd/ssh' });
  });
});

describe('entriesOfEnvironment', () => {
  it('scopes SKIFF_GIT_USERNAME to SKIFF_GIT_HOST, and is nothing without it', () => {
    expect(entriesOfEnvironment({ SKIFF_GIT_USERNAME: 'u', SKIFF_GIT_PASSWORD: 'p' })).toEqual([]);
    const entries = entriesOfEnvironment({ SKIFF_GIT_USERNAME: 'u', SKIFF_GIT_PASSWORD: 'p', SKIFF_GIT_HOST: 'git.example.com' });
    expect(repoCredentialsFor('https://git.example.com/a/b.git', entries)).toEqual({ username: 'u', password: 'p', source: 'SKIFF_GIT_USERNAME' });
    expect(repoCredentialsFor('https://git.example.com.evil.net/a/b.git', entries)).toBeUndefined();
  });
});
