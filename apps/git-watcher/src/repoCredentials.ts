import { redactCredentials, type KubeObject } from '@skiff/apimachinery';
import { entriesOfSecrets, repoCredentialsFor, SECRET_TYPE_LABEL, type GitCredentials, type RepoCredentialEntry } from '@skiff/gitops';
import type { ApiClient } from '@skiff/kube-client';
import type { Logger } from 'pino';
import { SECRETS } from './images/imageResources.js';
import { resourceType } from '@skiff/kube-client';

const CONFIGMAPS = resourceType('configmaps');
/** Argo CD's ConfigMap of ssh known hosts (key `ssh_known_hosts`), in the repository Secrets' namespace. */
export const KNOWN_HOSTS_CONFIGMAP = 'argocd-ssh-known-hosts-cm';

/** Where repository Secrets are read by default: Argo CD's namespace, so its manifests apply unchanged. */
export const DEFAULT_REPO_SECRETS_NAMESPACE = 'argocd';

export type CredentialLookup = (repoURL: string) => Promise<GitCredentials | undefined>;

/**
 * Looks credentials up for each fetch or push: the labelled Secrets of `namespace` first, then the
 * environment's entries. A Secret changed or added is used from the next fetch on. Secrets that
 * cannot be listed (forbidden, the API server away) leave only the environment's entries.
 */
export function credentialLookup(opts: { client: ApiClient; namespace: string; env: RepoCredentialEntry[]; log: Logger }): CredentialLookup {
  return async (repoURL) => {
    let secrets: KubeObject[] = [];
    try {
      secrets = (await opts.client.list(SECRETS, { namespace: opts.namespace, labelSelector: `${SECRET_TYPE_LABEL} in (repository,repo-creds)` })).items;
    } catch (err) {
      opts.log.warn({ namespace: opts.namespace, err: redactCredentials((err as Error).message) }, 'listing repository Secrets failed');
    }
    const found = repoCredentialsFor(repoURL, [...entriesOfSecrets(secrets), ...opts.env]);
    if (!found) return undefined;
    opts.log.debug({ repo: redactCredentials(repoURL), credentials: found.source }, 'repository credentials');
    const { source: _source, ...credentials } = found;
    if (!credentials.sshPrivateKey) return credentials;
    const knownHosts = await opts.client.getIfExists(CONFIGMAPS, opts.namespace, KNOWN_HOSTS_CONFIGMAP).catch(() => undefined);
    return { ...credentials, knownHosts: (knownHosts?.data as Record<string, string> | undefined)?.ssh_known_hosts ?? '' };
  };
}
