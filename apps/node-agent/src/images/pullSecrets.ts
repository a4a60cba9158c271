import type { KubeObject } from '@skiff/apimachinery';

/** Registry credentials as the CRI's AuthConfig carries them. */
export interface RegistryAuth {
  username?: string;
  password?: string;
  auth?: string;
  serverAddress?: string;
}

interface DockerAuthEntry {
  username?: string;
  password?: string;
  auth?: string;
}

/** `https://index.docker.io/v1/` and friends all mean Docker Hub; others compare by host[:port]. */
function registryHost(key: string): string {
  const host = key.replace(/^[a-z]+:\/\//, '').split('/')[0];
  return ['index.docker.io', 'registry-1.docker.io', 'docker.io'].includes(host) ? 'docker.io' : host;
}

function decode(secret: KubeObject, key: string): string | undefined {
  const data = (secret as { data?: Record<string, string> }).data ?? {};
  return data[key] !== undefined ? Buffer.from(data[key], 'base64').toString('utf8') : undefined;
}

/** The entries of a `kubernetes.io/dockerconfigjson` (or legacy `kubernetes.io/dockercfg`) Secret. */
export function dockerAuthEntries(secret: KubeObject): Map<string, DockerAuthEntry> {
  const out = new Map<string, DockerAuthEntry>();
  const type = (secret as { type?: string }).type;
  let auths: Record<string, DockerAuthEntry> | undefined;
  try {
    if (type === 'kubernetes.io/dockerconfigjson') auths = (JSON.parse(decode(secret, '.dockerconfigjson') ?? '{}') as { auths?: Record<string, DockerAuthEntry> }).auths;
    else if (type === 'kubernetes.io/dockercfg') auths = JSON.parse(decode(secret, '.dockercfg') ?? '{}') as Record<string, DockerAuthEntry>;
  } catch {
    return out;
  }
  for (const [key, entry] of Object.entries(auths ?? {})) {
    if (entry && typeof entry === 'object') out.set(registryHost(key), entry);
  }
  return out;
}

/**
 * The credentials for `domain` among the pod's imagePullSecrets, in their order (the kubelet
 * tries each matching one; the first is what a single pull uses here).
 */
export function credentialsFor(domain: string, secrets: KubeObject[]): RegistryAuth | undefined {
  const host = registryHost(domain);
  for (const secret of secrets) {
    const entry = dockerAuthEntries(secret).get(host);
    if (!entry) continue;
    let { username, password } = entry;
    if ((!username || !password) && entry.auth) {
      const plain = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = plain.indexOf(':');
      if (colon > 0) [username, password] = [plain.slice(0, colon), plain.slice(colon + 1)];
    }
    return { username, password };
  }
  return undefined;
}
