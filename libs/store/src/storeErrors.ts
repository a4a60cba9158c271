import type { ObjectKey, Target } from '@skiff/apimachinery';

/** Errors name the resource the way Kubernetes messages do: `deployments.apps "web" not found`. */
export function targetOf(key: ObjectKey): Target {
  return { group: key.group, kind: key.resource, name: key.name };
}

/**
 * Whether a failed statement is known to have rolled back: the server answered with an error
 * (a SQLSTATE), as opposed to the connection failing, after which the commit may have happened.
 */
export function serverRejected(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('08');
}
