import { ApiError, type ObjectKey, type Target } from '@skiff/apimachinery';

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

/**
 * A create or update listed an allocation another object holds. The API server turns it into a
 * retry (a value it picked) or a 422 on the field (a value the user chose); should one escape
 * anyway it reads as a 409.
 */
export class AllocationConflictError extends ApiError {
  constructor(
    readonly pool: string,
    readonly value: string,
    target: Target,
  ) {
    super(409, 'Conflict', `${pool} ${value} is already allocated`, { name: target.name, group: target.group, kind: target.kind });
  }
}
