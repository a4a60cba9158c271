import { redactCredentials, type KubeObject } from '@skiff/apimachinery';
import type { GitCredentials } from './remoteAccess.js';

/** Argo CD's label on repository Secrets: `repository` (one URL) or `repo-creds` (a URL prefix). */
export const SECRET_TYPE_LABEL = 'argocd.argoproj.io/secret-type';

/** A repository Secret as Argo CD reads it: `url`, `username`, `password` (or a token), `type: git`. */
export interface RepoCredentialEntry {
  kind: 'repository' | 'repo-creds';
  url: string;
  username?: string;
  password?: string;
  /** For ssh URLs: the private key (Argo CD's `sshPrivateKey`). */
  sshPrivateKey?: string;
  /** Argo CD's `insecure: "true"`: an ssh host key is not checked. */
  insecure?: boolean;
  /** Where it came from, for logs: `argocd/private-repo`, or `SKIFF_GIT_USERNAME`. */
  source: string;
}

/** Compared case-insensitively without credentials, `.git` or a trailing slash, as Argo CD normalizes repository URLs. */
function normalize(url: string): string {
  return redactCredentials(url.trim()).toLowerCase().replace(/\/+$/, '').replace(/\.git$/, '');
}

/**
 * The credentials for `repoURL`: a `repository` entry for exactly that URL wins; otherwise the
 * `repo-creds` entry with the longest URL prefix, e.g. for https://git.example.com/shop/web.git
 * `https://git.example.com/shop` (27 characters) beats `https://git.example.com` (23).
 * Entries without a password or an ssh key are none. Pure: the entries come from Secrets and the
 * environment.
 */
export function repoCredentialsFor(repoURL: string, entries: RepoCredentialEntry[]): (GitCredentials & { source: string }) | undefined {
  const url = normalize(repoURL);
  const usable = entries.filter((e) => e.password || e.sshPrivateKey);
  const exact = usable.find((e) => e.kind === 'repository' && normalize(e.url) === url);
  const prefixed = usable
    .filter((e) => e.kind === 'repo-creds' && isPrefixOf(redactCredentials(e.url.trim()).toLowerCase(), url))
    .sort((a, b) => b.url.length - a.url.length)[0];
  const found = exact ?? prefixed;
  if (!found) return undefined;
  return {
    username: found.username ?? '',
    password: found.password ?? '',
    ...(found.sshPrivateKey ? { sshPrivateKey: found.sshPrivateKey, insecureIgnoreHostKey: !!found.insecure } : {}),
    source: found.source,
  };
}

/**
 * A prefix ends at a path segment: `https://git.example.com` covers `https://git.example.com/a`,
 * never `https://git.example.com.evil.net/a` or `https://git.example.com:8443/a` (other hosts).
 * Argo CD matches any string prefix; Skiff is stricter so credentials stay on their host.
 */
function isPrefixOf(prefix: string, url: string): boolean {
  if (!url.startsWith(prefix)) return false;
  // scp-like ssh URLs (`git@host:org/repo`) end their host at `:`.
  return prefix.endsWith('/') || prefix.endsWith(':') || url.length === prefix.length || url[prefix.length] === '/';
}

function field(secret: KubeObject & { data?: Record<string, string>; stringData?: Record<string, string> }, key: string): string | undefined {
  if (secret.stringData?.[key] !== undefined) return secret.stringData[key];
  const b64 = secret.data?.[key];
  return b64 === undefined ? undefined : Buffer.from(b64, 'base64').toString('utf8');
}

/** The entries of labelled Secrets; a Secret of another `type` (`helm`, `oci`) or without `url` is none. */
export function entriesOfSecrets(secrets: KubeObject[]): RepoCredentialEntry[] {
  const entries: RepoCredentialEntry[] = [];
  for (const s of secrets) {
    const kind = s.metadata.labels?.[SECRET_TYPE_LABEL];
    if (kind !== 'repository' && kind !== 'repo-creds') continue;
    const url = field(s, 'url');
    const type = field(s, 'type');
    if (!url || (type !== undefined && type !== 'git')) continue;
    entries.push({ kind, url, username: field(s, 'username'), password: field(s, 'password'), sshPrivateKey: field(s, 'sshPrivateKey'), ...(field(s, 'insecure') === 'true' ? { insecure: true } : {}), source: `${s.metadata.namespace}/${s.metadata.name}` });
  }
  return entries;
}

/**
 * SKIFF_GIT_USERNAME / SKIFF_GIT_PASSWORD as a `repo-creds` entry for the host SKIFF_GIT_HOST
 * names (`git.example.com` or `127.0.0.1:8080`). Without a host they are used for no repository:
 * credentials that go to whatever host an Application names can be collected by anyone who may
 * create one.
 */
export function entriesOfEnvironment(env: NodeJS.ProcessEnv): RepoCredentialEntry[] {
  const username = env.SKIFF_GIT_USERNAME;
  const host = env.SKIFF_GIT_HOST?.trim();
  if (!username || !host) return [];
  const password = env.SKIFF_GIT_PASSWORD ?? '';
  return ['https', 'http'].map((scheme) => ({ kind: 'repo-creds' as const, url: `${scheme}://${host}/`, username, password, source: 'SKIFF_GIT_USERNAME' }));
}
