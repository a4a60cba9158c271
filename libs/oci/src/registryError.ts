/** One entry of the registry's error body: `{"errors":[{"code":"BLOB_UNKNOWN","message":"...","detail":...}]}`. */
export interface RegistryErrorDetail {
  code: string;
  message: string;
  detail?: unknown;
}

/**
 * The registry answered with a status the operation did not expect. `errors` holds the codes the
 * Docker Registry HTTP API v2 defines (UNAUTHORIZED, DENIED, MANIFEST_BLOB_UNKNOWN, ...) when the
 * registry sent them; a HEAD answer or a proxy's error page has none.
 */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';

  constructor(
    readonly status: number,
    readonly errors: RegistryErrorDetail[],
    readonly method: string,
    readonly url: string,
    statusText = '',
  ) {
    // Without error codes (HEAD has no body) the reason phrase is all that says what happened.
    const codes = errors.map((e) => (e.message ? `${e.code}: ${e.message}` : e.code)).join('; ');
    super(`${method} ${withoutQuery(url)}: ${status} ${codes || statusText}`.trimEnd());
  }
}

/** The registry could not be reached at all (connection refused, DNS, TLS). */
export class RegistryUnreachableError extends Error {
  override readonly name = 'RegistryUnreachableError';

  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(`cannot reach registry at ${withoutQuery(url)}: ${cause instanceof Error ? (causeMessage(cause) ?? cause.message) : String(cause)}`, { cause });
  }
}

/** Reads the error body of a failed response; never throws, since the body may be anything. */
export async function registryErrorFrom(response: Response, method: string, url: string): Promise<RegistryError> {
  let errors: RegistryErrorDetail[] = [];
  if (method !== 'HEAD') {
    try {
      const body = (await response.json()) as { errors?: unknown };
      if (Array.isArray(body.errors)) errors = body.errors.filter(isErrorDetail);
    } catch {
      // Not the registry's JSON (a proxy page, an empty body): the status alone must do.
    }
  }
  return new RegistryError(response.status, errors, method, url, response.statusText);
}

function isErrorDetail(value: unknown): value is RegistryErrorDetail {
  return typeof value === 'object' && value !== null && typeof (value as { code?: unknown }).code === 'string';
}

// Upload URLs carry the registry's opaque `_state` in the query: long, and useless in a message.
function withoutQuery(url: string): string {
  const i = url.indexOf('?');
  return i === -1 ? url : url.slice(0, i);
}

// fetch reports every network failure as "fetch failed"; the reason (ECONNREFUSED ...) is the cause.
function causeMessage(err: Error): string | undefined {
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? cause.message : undefined;
}
