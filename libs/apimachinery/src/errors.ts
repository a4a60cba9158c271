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
  message: string;
  reason: string;
  details?: StatusDetails;
  code: number;
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

export class ForbiddenError extends ApiError {
  constructor(message: string, target: Target = {}) {
    super(403, 'Forbidden', message, { name: target.name, group: target.group, kind: target.kind });
  }
}

export class NotFoundError extends ApiError {
  constructor(target: Target, message?: string) {
    super(404, 'NotFound', message ?? `${qualified(target)} "${target.name ?? ''}" not found`, {
      name: target.name,
      group: target.group,
      kind: target.kind,
    });
  }
}

export class AlreadyExistsError extends ApiError {
  constructor(target: Target) {
    super(409, 'AlreadyExists', `${qualified(target)} "${target.name ?? ''}" already exists`, {
      name: target.name,
      group: target.group,
      kind: target.kind,
    });
  }
}

export class ConflictError extends ApiError {
  constructor(target: Target, why = 'the object has been modified; please apply your changes to the latest version and try again', causes?: StatusCause[]) {
    super(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(target)} "${target.name ?? ''}": ${why}`, {
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

export class InvalidError extends ApiError {
  readonly causes: StatusCause[];
  constructor(target: Target & { kindName?: string }, causes: StatusCause[]) {
    const summary = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(', ');
    super(422, 'Invalid', `${target.kindName ?? target.kind ?? 'object'} "${target.name ?? ''}" is invalid: ${summary}`, {
      name: target.name,
      group: target.group,
      kind: target.kindName ?? target.kind,
      causes: causes.map((c) => ({ reason: c.reason ?? 'FieldValueInvalid', message: c.message, field: c.field })),
    });
    this.causes = causes;
  }
}

export class MethodNotAllowedError extends ApiError {
  constructor(message: string) {
    super(405, 'MethodNotAllowed', message);
  }
}

export class UnsupportedMediaTypeError extends ApiError {
  constructor(contentType: string) {
    super(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml (got ${contentType})`);
  }
}

export class RequestEntityTooLargeError extends ApiError {
  constructor(limit: number) {
    super(413, 'RequestEntityTooLarge', `the request body is larger than the limit of ${limit} bytes`);
  }
}

/**
 * A failure kube-apiserver reports from a plain Go error rather than a typed one: 500 with no
 * reason. Kept where clients see exactly that (server-side apply of an undeclared field).
 */
export class ReasonlessServerError extends ApiError {
  constructor(message: string) {
    super(500, '', message);
  }
}

export class InternalError extends ApiError {
  constructor(message: string) {
    super(500, 'InternalError', `Internal error occurred: ${message}`);
  }
}

/** The one mapping from any thrown value to a Kubernetes Status. */
export function toStatus(err: unknown): Status {
  const e = err instanceof ApiError ? err : new InternalError(err instanceof Error ? err.message : String(err));
  const status: Status = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: e.message,
    reason: e.reason,
    code: e.code,
  };
  // Kubernetes leaves empty reasons and names out (omitempty).
  if (!e.reason) delete (status as Partial<Status>).reason;
  if (e.details) {
    const details = Object.fromEntries(Object.entries(e.details).filter(([, v]) => v !== undefined && v !== '')) as StatusDetails;
    if (Object.keys(details).length > 0) status.details = details;
  }
  return status;
}

export function successStatus(details?: StatusDetails): Status {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', message: '', reason: '', code: 200, ...(details ? { details } : {}) };
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
    default:
      return new ApiError(code, status.reason ?? 'Unknown', message, details);
  }
}

function withMessage<E extends ApiError>(err: E, message: string): E {
  Object.defineProperty(err, 'message', { value: message });
  return err;
}
