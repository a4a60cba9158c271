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

const socketErrorCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
// What `pg` throws, without a code, when a connection fails, closes or stops answering.
const pgConnectionMessages = /Connection terminated|timeout expired|timeout exceeded when trying to connect|Query read timeout|is not queryable/;

/**
 * Whether a statement failed because the database could not be reached (refused, reset, silent,
 * shutting down, out of connections), as opposed to the database rejecting the statement.
 */
export function isConnectionFailure(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && socketErrorCodes.has(code)) return true;
  // SQLSTATE class 08 connection_exception; 57P01-03 the server is shutting down or starting; 53300 too_many_connections.
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code.startsWith('08') || /^57P0[1-3]$/.test(code) || code === '53300';
  return pgConnectionMessages.test(err.message);
}

/** The server cancelled a statement that ran past `statement_timeout` (SQLSTATE 57014 query_canceled). */
export function isStatementTimeout(err: unknown): boolean {
  return (err as { code?: unknown } | null)?.code === '57014';
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
