export interface RegistryLogin {
  username: string;
  password: string;
}

export type CredentialsResult = { ok: true; login?: RegistryLogin } | { ok: false; message: string };

/**
 * The login for `registry` in a kubernetes.io/dockerconfigjson Secret's `.dockerconfigjson` (the
 * file `docker login` writes and `kubectl create secret docker-registry` makes): `auths` keyed by
 * host, or by a URL naming it (`https://index.docker.io/v1/` for Docker Hub), each with
 * `username`/`password` or a base64 `auth` of `user:password`. No entry for the host: no login.
 */
export function registryCredentials(secretData: Record<string, string> | undefined, registry: string): CredentialsResult {
  const encoded = secretData?.['.dockerconfigjson'];
  if (encoded === undefined) return { ok: false, message: 'the Secret has no .dockerconfigjson key (type kubernetes.io/dockerconfigjson expected)' };
  let config: { auths?: Record<string, { username?: string; password?: string; auth?: string }> };
  try {
    config = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as typeof config;
  } catch {
    return { ok: false, message: '.dockerconfigjson is not valid JSON' };
  }
  const wanted = hostOf(registry);
  const entry = Object.entries(config.auths ?? {}).find(([key]) => hostOf(key) === wanted)?.[1];
  if (!entry) return { ok: true };
  if (entry.username !== undefined) return { ok: true, login: { username: entry.username, password: entry.password ?? '' } };
  if (entry.auth) {
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return { ok: false, message: `the auth of ${wanted} is not base64 of user:password` };
    return { ok: true, login: { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) } };
  }
  return { ok: true };
}

function hostOf(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//i, '').split('/')[0];
  // Docker Hub goes by three names.
  return host === 'registry-1.docker.io' || host === 'index.docker.io' ? 'docker.io' : host;
}
