import { readFileSync } from 'node:fs';

/** Where a component's bearer token may come from: its flags and the environment. */
export interface TokenSources {
  token?: string;
  tokenFile?: string;
}

/**
 * The bearer token a component authenticates with: `--token`, else the first line of
 * `--token-file`, else SKIFF_TOKEN. `--token` is kept for people who type it, but it puts the
 * secret in /proc/PID/cmdline, which every local user can read; `skiff up` always passes a file.
 * Throws when the file cannot be read or is empty; undefined when no source is given.
 */
export function bearerToken(o: TokenSources, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (o.token) return o.token;
  if (o.tokenFile) {
    const token = readFileSync(o.tokenFile, 'utf8').split('\n')[0]!.trim();
    if (!token) throw new Error(`${o.tokenFile}: the token file is empty`);
    return token;
  }
  return env.SKIFF_TOKEN || undefined;
}

/**
 * The Redis a component queues on: `--redis-url`, else REDIS_URL, else the local one. Read after
 * parsing rather than as the flag's default, so `--help` never prints a password the URL carries.
 */
export function redisUrl(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag || env.REDIS_URL || 'redis://127.0.0.1:6379';
}

export const CREDENTIAL_FLAGS = {
  token: 'bearer token (visible to other local users in the process list: prefer --token-file or SKIFF_TOKEN)',
  tokenFile: 'read the bearer token from this file (first line)',
  redisUrl: 'Redis for the work queues (default: REDIS_URL, else redis://127.0.0.1:6379)',
  missing: 'error: a bearer token is required: --token-file FILE, SKIFF_TOKEN or --token',
} as const;

/**
 * `--kube-api-qps` and `--kube-api-burst`, as Kubernetes' components take them: the request rate
 * of the component's API client. 0 (the default) means no limit.
 */
export const CLIENT_RATE_FLAGS = {
  qps: 'most API requests a second this component sends (0: no limit)',
  burst: 'API requests that may go at once above --kube-api-qps (default: the qps)',
} as const;
