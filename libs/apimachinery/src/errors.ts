/**
 * Typed domain errors. The API server maps them to Kubernetes `Status` objects in one place
 * (`toStatus`); everything below the API edge throws these and nothing else for expected failures.
 */

export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code?: number;
}

export class ApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details?: StatusDetails;
  constructor(code: number, reason: string, message: string, details?: StatusDetails) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.reason = reason;
    this.details = details;
  }
}

export interface Target {
  group?: string;
  kind?: string;
  name?: string;
}

function qualified(t: Target): string {
  const plural = t.kind ?? 'object';
  return t.group ? `${plural}.${t.group}` : plural;
}

export class BadRequestError extends ApiError {
  constructor(message: string, causes?: StatusCause[]) {
    super(400, 'BadRequest', message, causes ? { causes } : undefined);
  }
}

export class UnauthorizedError extends ApiError {
  constructor(message = 'Unauthorized') {
    super(401, 'Unauthorized', message);
  }
}

/** `message` is the whole message: Kubernetes' form is `<resource> "<name>" is forbidden: <why>` (see `forbiddenMessage`). */
export class ForbiddenError extends ApiError {
  constructor(message: string, target: Target = {}, causes?: StatusCause[]) {
    super(403, 'Forbidden', message, { name: target.name, group: target.group, kind: target.kind, causes });
  }
}

export class NotFoundError extends ApiError {
  constructor(target: Target, message?: string) {
    super(404, 'NotFound', message ?? `${qualified(target)} ${goQuote(target.name ?? '')} not found`, {
      name: target.name,
      group: target.group,
      kind: target.kind,
    });
  }
}

export class AlreadyExistsError extends ApiError {
  constructor(target: Target, message?: string, retryAfterSeconds?: number) {
    super(409, 'AlreadyExists', message ?? `${qualified(target)} ${goQuote(target.name ?? '')} already exists`, {
      name: target.name,
      group: target.group,
      kind: target.kind,
      retryAfterSeconds,
    });
  }
}

/** NewGenerateNameConflict: every name generated from generateName was taken; the client may retry in a second. */
export function generateNameConflict(target: Target): AlreadyExistsError {
  return new AlreadyExistsError(target, `${qualified(target)} ${goQuote(target.name ?? '')} already exists, the server was not able to generate a unique name for the object`, 1);
}

/** The store's AlreadyExists when the existing object is being deleted: `object is being deleted: <message>`. */
export function beingDeleted(err: AlreadyExistsError): AlreadyExistsError {
  return new AlreadyExistsError({ name: err.details?.name, group: err.details?.group, kind: err.details?.kind }, `object is being deleted: ${err.message}`, err.details?.retryAfterSeconds);
}

export class ConflictError extends ApiError {
  constructor(target: Target, why = 'the object has been modified; please apply your changes to the latest version and try again', causes?: StatusCause[]) {
    super(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(target)} ${goQuote(target.name ?? '')}: ${why}`, {
      name: target.name,
      group: target.group,
      kind: target.kind,
      causes,
    });
  }
}

/** 409 from server-side apply: other managers own fields it would change. Kubernetes names no object here. */
export class ApplyConflictError extends ApiError {
  constructor(message: string, causes: StatusCause[]) {
    super(409, 'Conflict', message, { causes });
  }
}

/** 410: a watch or list asked for a resourceVersion the change log no longer holds. */
export class ExpiredError extends ApiError {
  constructor(message: string) {
    super(410, 'Expired', message);
  }
}

/** `target.kind` is the kind (`Deployment`), qualified by its group in the message (`Deployment.apps`), as NewInvalid does. */
export class InvalidError extends ApiError {
  readonly causes: StatusCause[];
  constructor(target: Target, causes: StatusCause[]) {
    super(422, 'Invalid', `${qualified({ ...target, kind: target.kind ?? 'object' })} ${goQuote(target.name ?? '')} is invalid${aggregateMessage(causes)}`, {
      name: target.name,
      group: target.group,
      kind: target.kind,
      causes: causes.map((c) => ({ reason: c.reason ?? 'FieldValueInvalid', message: c.message, field: c.field })),
    });
    this.causes = causes;
  }
}

/**
 * `: <one error>` or `: [<error>, <error>]`, each `<field>: <message>`, repeated messages once
 * (Kubernetes' field.ErrorList.ToAggregate).
 */
function aggregateMessage(causes: StatusCause[]): string {
  const messages = [...new Set(causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)))];
  if (messages.length === 0) return '';
  return messages.length === 1 ? `: ${messages[0]}` : `: [${messages.join(', ')}]`;
}

/**
 * Go's %q (strconv.Quote), which Kubernetes' messages quote names with: printable characters as
 * they are, the rest escaped: `a"b\n\x01\u00ad` for a, ", b, newline, U+0001, a soft hyphen.
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (GO_NAMED_ESCAPES[ch]) out += GO_NAMED_ESCAPES[ch];
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (ch !== ' ' && /[\p{C}\p{Z}]/u.test(ch)) out += c > 0xffff ? `\\U${c.toString(16).padStart(8, '0')}` : `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

const GO_NAMED_ESCAPES: Record<string, string> = { '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };

/** NewForbidden's message: `<resource> "<name>" is forbidden: <why>` (without a name: `<resource> is forbidden: <why>`). */
export function forbiddenMessage(target: Target, why: string): string {
  if (!target.kind) return `forbidden: ${why}`;
  return target.name ? `${qualified(target)} ${goQuote(target.name)} is forbidden: ${why}` : `${qualified(target)} is forbidden: ${why}`;
}

/**
 * 405. Kubernetes answers a method a resource's route does not serve (PUT on a collection, POST
 * to a named object, DELETE of a collection that has no deletecollection) with this generic
 * message and empty details.
 */
export class MethodNotAllowedError extends ApiError {
  constructor(message = 'the server does not allow this method on the requested resource', details: StatusDetails = {}) {
    super(405, 'MethodNotAllowed', message, details);
  }
}

/** 415. Kubernetes says what the endpoint accepts: see `unsupportedMediaType`. */
export class UnsupportedMediaTypeError extends ApiError {
  constructor(message: string) {
    super(415, 'UnsupportedMediaType', message);
  }
}

export function unsupportedMediaType(accepted: readonly string[]): UnsupportedMediaTypeError {
  return new UnsupportedMediaTypeError(`the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`);
}

export class RequestEntityTooLargeError extends ApiError {
  constructor(limit: number) {
    super(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limit}`);
  }
}

export class InternalError extends ApiError {
  constructor(message: string) {
    super(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });
  }
}

/**
 * The one mapping from any thrown value to a Kubernetes Status, shaped as kube-apiserver writes
 * metav1.Status: its fields in Go's declaration order, and Go's `omitempty` (an empty string, a
 * zero, an empty list is left out; the details object, a pointer, is kept even when empty:
 * `"details":{}`).
 */
export function toStatus(err: unknown): Status {
  const e = err instanceof ApiError ? err : new InternalError(err instanceof Error ? err.message : String(err));
  return shapeStatus({ status: 'Failure', message: e.message, reason: e.reason, details: e.details, code: e.code });
}

/** A Success Status; the generic store's answer to a delete has no code, the handlers' has 200. */
export function successStatus(details?: StatusDetails, code?: number): Status {
  return shapeStatus({ status: 'Success', details, code });
}

function shapeStatus(s: Pick<Status, 'status' | 'message' | 'reason' | 'details' | 'code'>): Status {
  const details = s.details && {
    ...omitEmpty({ name: s.details.name, group: s.details.group, kind: s.details.kind, uid: s.details.uid }),
    ...(s.details.causes?.length ? { causes: s.details.causes.map((c) => omitEmpty({ reason: c.reason, message: c.message, field: c.field }) as StatusCause) } : {}),
    ...(s.details.retryAfterSeconds ? { retryAfterSeconds: s.details.retryAfterSeconds } : {}),
  };
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: s.status,
    ...omitEmpty({ message: s.message, reason: s.reason }),
    ...(details ? { details } : {}),
    ...(s.code ? { code: s.code } : {}),
  };
}

function omitEmpty<T extends Record<string, string | undefined>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as Partial<T>;
}

/** The inverse of `toStatus`: a typed error from a Status a server sent back. */
export function fromStatus(status: Partial<Status> & { code?: number }): ApiError {
  const code = status.code ?? 500;
  const message = status.message ?? `request failed with ${code}`;
  const details = status.details;
  switch (status.reason) {
    case 'NotFound':
      return new NotFoundError({ name: details?.name, kind: details?.kind, group: details?.group }, message);
    case 'AlreadyExists':
      return withMessage(new AlreadyExistsError({ name: details?.name, kind: details?.kind, group: details?.group }), message);
    case 'Conflict':
      return withMessage(new ConflictError({ name: details?.name, kind: details?.kind, group: details?.group }, '', details?.causes), message);
    case 'Invalid':
      return withMessage(new InvalidError({ name: details?.name, kind: details?.kind, group: details?.group }, details?.causes ?? []), message);
    case 'Expired':
    case 'Gone':
      return new ExpiredError(message);
    case 'Unauthorized':
      return new UnauthorizedError(message);
    case 'Forbidden':
      return withMessage(new ForbiddenError(message, { name: details?.name, kind: details?.kind, group: details?.group }), message);
    case 'BadRequest':
      return new BadRequestError(message, details?.causes);
    case 'TooManyRequests':
      return new TooManyRequestsError(message, details?.retryAfterSeconds ?? 0, details?.causes);
    default:
      return new ApiError(code, status.reason ?? 'Unknown', message, details);
  }
}

function withMessage<E extends ApiError>(err: E, message: string): E {
  Object.defineProperty(err, 'message', { value: message });
  return err;
}

/**
 * 429: the request is refused for now and may succeed later (an eviction a disruption budget
 * does not allow yet); `retryAfterSeconds` 0 is left out, as Go's omitempty does.
 */
export class TooManyRequestsError extends ApiError {
  constructor(message: string, retryAfterSeconds: number, causes?: StatusCause[]) {
    super(429, 'TooManyRequests', message, { ...(causes?.length ? { causes } : {}), ...(retryAfterSeconds > 0 ? { retryAfterSeconds } : {}) });
  }
}

/** 504, as kube-apiserver's NewTimeoutError words it: the server could not answer in time, and may later. */
export class ServerTimeoutError extends ApiError {
  constructor(message: string, retryAfterSeconds: number, causes?: StatusCause[]) {
    super(504, 'Timeout', `Timeout: ${message}`, { ...(causes?.length ? { causes } : {}), ...(retryAfterSeconds > 0 ? { retryAfterSeconds } : {}) });
  }
}

/**
 * 503: a dependency the server needs (the cluster store) cannot be reached right now; the request
 * may succeed when retried. kube-apiserver answers the same way when etcd is unavailable.
 */
export class ServiceUnavailableError extends ApiError {
  constructor(message: string, retryAfterSeconds = 1) {
    super(503, 'ServiceUnavailable', message, retryAfterSeconds > 0 ? { retryAfterSeconds } : undefined);
  }
}

/** A watch or list from a resourceVersion the store has not reached (after waiting up to 3 s for it). */
export function resourceVersionTooLarge(requested: string, current: string): ServerTimeoutError {
  return new ServerTimeoutError(`Too large resource version: ${requested}, current: ${current}`, 1, [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }]);
}
