import type { StatusCause } from '../errors.js';

/**
 * Field errors as Kubernetes words them (k8s.io/apimachinery/pkg/util/validation/field): the
 * `message` is Kubernetes' ErrorBody ("Invalid value: \"x\": detail"), the field path is
 * separate, and the reason is the CauseType a client switches on.
 */
export type FieldErrors = StatusCause[];

/** A field path in Kubernetes' notation: `spec.containers[0].image`, `data[my.key]`. */
export class FieldPath {
  private constructor(private readonly text: string) {}

  static root(...names: string[]): FieldPath {
    return new FieldPath(names.join('.'));
  }

  child(...names: string[]): FieldPath {
    const tail = names.join('.');
    if (!tail) return this;
    return new FieldPath(this.text ? `${this.text}.${tail}` : tail);
  }

  index(i: number): FieldPath {
    return new FieldPath(`${this.text}[${i}]`);
  }

  key(k: string): FieldPath {
    return new FieldPath(`${this.text}[${k}]`);
  }

  toString(): string {
    return this.text;
  }
}

/**
 * Renders a bad value the way Go's `%q` / `%v` / `%#v` do for the types users meet: strings
 * quoted, numbers and booleans bare, string maps as `map[string]string{"a":"b"}` (what the
 * "selector does not match" message shows), anything else as JSON.
 */
export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (isStringMap(value)) {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${JSON.stringify(value[k])}`);
    return `map[string]string{${entries.join(', ')}}`;
  }
  return JSON.stringify(value);
}

function isStringMap(value: unknown): value is Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const values = Object.values(value);
  return values.length > 0 && values.every((v) => typeof v === 'string');
}

function cause(reason: string, path: FieldPath | undefined, message: string): StatusCause {
  const field = path?.toString();
  return field ? { reason, message, field } : { reason, message };
}

function withDetail(body: string, detail: string | undefined): string {
  return detail ? `${body}: ${detail}` : body;
}

export function required(path: FieldPath, detail?: string): StatusCause {
  return cause('FieldValueRequired', path, withDetail('Required value', detail));
}

export function invalid(path: FieldPath, value: unknown, detail?: string): StatusCause {
  return cause('FieldValueInvalid', path, withDetail(`Invalid value: ${formatValue(value)}`, detail));
}

export function notSupported(path: FieldPath, value: unknown, supported: readonly string[]): StatusCause {
  const detail = supported.length ? `supported values: ${supported.map((v) => JSON.stringify(v)).join(', ')}` : undefined;
  return cause('FieldValueNotSupported', path, withDetail(`Unsupported value: ${formatValue(value)}`, detail));
}

export function duplicate(path: FieldPath, value: unknown): StatusCause {
  return cause('FieldValueDuplicate', path, `Duplicate value: ${formatValue(value)}`);
}

export function forbidden(path: FieldPath, detail: string): StatusCause {
  return cause('FieldValueForbidden', path, withDetail('Forbidden', detail));
}

export function notFound(path: FieldPath, value: unknown, detail?: string): StatusCause {
  return cause('FieldValueNotFound', path, withDetail(`Not found: ${formatValue(value)}`, detail));
}

/** Kubernetes leaves the too-long value out of the message; `path` undefined means the whole object. */
export function tooLong(path: FieldPath | undefined, maxBytes: number): StatusCause {
  return cause('FieldValueTooLong', path, `Too long: must have at most ${maxBytes} bytes`);
}

export function typeInvalid(path: FieldPath, value: unknown, expected: string): StatusCause {
  return cause('FieldValueTypeInvalid', path, `Invalid value: ${formatValue(value)}: expected ${expected}`);
}

/** One `invalid` per message, as Kubernetes does for the `xxxErrors` helpers' output. */
export function invalidEach(path: FieldPath, value: unknown, messages: readonly string[]): StatusCause[] {
  return messages.map((m) => invalid(path, value, m));
}

export const IMMUTABLE = 'field is immutable';
export const NEGATIVE = 'must be greater than or equal to 0';

/** Kubernetes drops repeated errors (same field, same text) before reporting. */
export function dedupe(causes: readonly StatusCause[]): StatusCause[] {
  const seen = new Set<string>();
  const out: StatusCause[] = [];
  for (const c of causes) {
    const key = `${c.field ?? ''}\u0000${c.reason ?? ''}\u0000${c.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(c);
  }
  return out;
}
