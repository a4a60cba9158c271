import type { StatusCause } from '../errors.js';
import { formatValue, type FieldErrors } from '../validation/fieldErrors.js';
import { isObject, type Schema } from './schema.js';

type Level = 'root' | 'item' | 'field';

/**
 * Whether a CRD version's schema is structural, as apiextensions-apiserver's ValidateStructural
 * checks it: every field and list item has a type (unless int-or-string or preserving unknown
 * fields), an object at the root, no `additionalProperties` beside `properties` or at the root,
 * metadata restricted to name and generateName, and no types, defaults or descriptions inside
 * anyOf/allOf/oneOf/not. `path` is where the schema sits:
 * `spec.versions[0].schema.openAPIV3Schema`. Errors come sorted by their text, as Kubernetes sorts them.
 */
export function validateStructuralSchema(schema: Schema, path: string): FieldErrors {
  const errs: FieldErrors = [];
  invariants(schema, 'root', path, errs);
  return errs.sort((a, b) => text(a).localeCompare(text(b)));
}

function text(c: StatusCause): string {
  return `${c.field ?? ''}: ${c.message}`;
}

const required = (field: string, detail: string): StatusCause => ({ reason: 'FieldValueRequired', field, message: `Required value: ${detail}` });
const forbidden = (field: string, detail: string): StatusCause => ({ reason: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` });
const invalid = (field: string, value: unknown, detail: string): StatusCause => ({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${formatValue(value)}: ${detail}` });

function invariants(s: Schema, level: Level, path: string, errs: FieldErrors): void {
  if (s.type === 'array' && !s.items) errs.push(required(`${path}.items`, 'must be specified'));
  if (s.items) {
    if (Array.isArray(s.items)) errs.push(forbidden(`${path}.items`, 'items must be a schema object and not an array'));
    else invariants(s.items, 'item', `${path}.items`, errs);
  }
  for (const [k, v] of Object.entries(s.properties ?? {})) invariants(v, 'field', `${path}.properties[${k}]`, errs);
  if (s.additionalProperties !== undefined && s.additionalProperties !== false) {
    if (level === 'root') errs.push(forbidden(`${path}.additionalProperties`, 'must not be used at the root'));
    if (s.properties) errs.push(forbidden(`${path}.additionalProperties`, 'additionalProperties and properties are mutual exclusive'));
    if (isObject(s.additionalProperties)) invariants(s.additionalProperties as Schema, 'field', `${path}.additionalProperties`, errs);
  }
  if (s.additionalProperties === false) errs.push(forbidden(`${path}.additionalProperties`, 'additionalProperties cannot be set to false'));
  if (s.$ref !== undefined) errs.push(forbidden(`${path}.$ref`, '$ref is not supported'));

  const intOrString = !!s['x-kubernetes-int-or-string'];
  const preserve = !!s['x-kubernetes-preserve-unknown-fields'];
  const embedded = !!s['x-kubernetes-embedded-resource'];
  if (intOrString && preserve) errs.push(invalid(`${path}.x-kubernetes-preserve-unknown-fields`, true, 'must be false if x-kubernetes-int-or-string is true'));
  if (intOrString && embedded) errs.push(invalid(`${path}.x-kubernetes-embedded-resource`, true, 'must be false if x-kubernetes-int-or-string is true'));
  if (s['x-kubernetes-preserve-unknown-fields'] === false) errs.push(invalid(`${path}.x-kubernetes-preserve-unknown-fields`, false, 'must be true or undefined'));

  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    s[key]?.forEach((sub, i) => {
      if (intOrString && isIntOrStringBranch(sub)) return;
      valueValidation(sub, `${path}.${key}[${i}]`, errs);
    });
  }
  if (s.not) valueValidation(s.not, `${path}.not`, errs);

  if (embedded && s.type !== 'object') {
    if (!s.type) errs.push(required(`${path}.type`, 'must be object if x-kubernetes-embedded-resource is true'));
    else errs.push(invalid(`${path}.type`, s.type, 'must be object if x-kubernetes-embedded-resource is true'));
  } else if (!s.type && !intOrString && !preserve) {
    const where = level === 'root' ? 'at the root' : level === 'item' ? 'for specified array items' : 'for specified object fields';
    errs.push(required(`${path}.type`, `must not be empty ${where}`));
  }
  if (embedded && s.additionalProperties !== undefined) errs.push(forbidden(`${path}.additionalProperties`, 'must not be used if x-kubernetes-embedded-resource is set'));
  if (level === 'root' && s.type && s.type !== 'object') errs.push(invalid(`${path}.type`, s.type, 'must be object at the root'));

  const typeMeta = level === 'root' || embedded;
  for (const name of ['kind', 'apiVersion']) {
    const p = s.properties?.[name];
    if (p && typeMeta && p.type !== 'string') errs.push(invalid(`${path}.properties[${name}].type`, p.type ?? '', 'must be string'));
  }
  const metadata = s.properties?.metadata;
  if (metadata) {
    const at = `${path}.properties[metadata]`;
    if (typeMeta && metadata.type !== 'object') errs.push(invalid(`${at}.type`, metadata.type ?? '', 'must be object'));
    if (level === 'root') {
      const { type: _type, properties, ...rest } = metadata;
      const others = Object.keys(properties ?? {}).filter((k) => k !== 'name' && k !== 'generateName');
      if (others.length > 0 || Object.keys(rest).length > 0) {
        errs.push(forbidden(at, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
      }
    } else if (!embedded) {
      errs.push(forbidden(at, 'must not be specified in a nested context'));
    }
  }
  if (embedded && !preserve && !s.properties) {
    errs.push(required(`${path}.properties`, 'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields'));
  }
}

/** `anyOf: [{type: integer}, {type: string}]`, the shape int-or-string fields may spell out. */
function isIntOrStringBranch(s: Schema): boolean {
  return s.type === 'integer' || s.type === 'string' || (s.anyOf?.length === 2 && s.anyOf.every((b) => b.type === 'integer' || b.type === 'string'));
}

/** Inside anyOf/allOf/oneOf/not only value validations may appear. */
function valueValidation(s: Schema, path: string, errs: FieldErrors): void {
  const must = (key: keyof Schema, what: string) => {
    if (s[key] !== undefined && s[key] !== false && s[key] !== '') errs.push(forbidden(`${path}.${String(key)}`, `must be ${what} to be structural`));
  };
  must('type', 'empty');
  must('additionalProperties', 'undefined');
  must('default', 'undefined');
  must('title', 'empty');
  must('description', 'empty');
  must('nullable', 'false');
  must('x-kubernetes-preserve-unknown-fields', 'false');
  must('x-kubernetes-embedded-resource', 'false');
  must('x-kubernetes-int-or-string', 'false');
  must('x-kubernetes-list-type', 'undefined');
  must('x-kubernetes-map-type', 'undefined');
  if (s['x-kubernetes-list-map-keys']?.length) errs.push(forbidden(`${path}.x-kubernetes-list-map-keys`, 'must be empty to be structural'));
  for (const [k, v] of Object.entries(s.properties ?? {})) valueValidation(v, `${path}.properties[${k}]`, errs);
  if (s.items && !Array.isArray(s.items)) valueValidation(s.items, `${path}.items`, errs);
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) s[key]?.forEach((sub, i) => valueValidation(sub, `${path}.${key}[${i}]`, errs));
  if (s.not) valueValidation(s.not, `${path}.not`, errs);
}
