import type { StatusCause } from '../errors.js';
import { formatValue, type FieldErrors } from '../validation/fieldErrors.js';
import { isObject, type Schema } from './schema.js';

/**
 * The list and map type extensions of a CRD schema, as apiextensions-apiserver checks them:
 * `x-kubernetes-list-type` only on arrays and one of atomic/set/map; `map` needs
 * `x-kubernetes-list-map-keys` naming scalar properties of object items.
 */
export function validateListTypes(schema: Schema, path: string): FieldErrors {
  const errs: FieldErrors = [];
  walk(schema, path, errs);
  return errs;
}

const required = (field: string, detail: string): StatusCause => ({ reason: 'FieldValueRequired', field, message: `Required value: ${detail}` });
const invalid = (field: string, value: unknown, detail: string): StatusCause => ({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${formatValue(value)}: ${detail}` });

function walk(s: Schema, path: string, errs: FieldErrors): void {
  const listType = s['x-kubernetes-list-type'];
  const keys = s['x-kubernetes-list-map-keys'] ?? [];
  if (listType !== undefined) {
    if (s.type !== 'array') {
      if (!s.type) errs.push(required(`${path}.type`, 'must be array if x-kubernetes-list-type is specified'));
      else errs.push(invalid(`${path}.type`, s.type, 'must be array if x-kubernetes-list-type is specified'));
    } else if (!['atomic', 'set', 'map'].includes(listType)) {
      errs.push({ reason: 'FieldValueNotSupported', field: `${path}.x-kubernetes-list-type`, message: `Unsupported value: ${formatValue(listType)}: supported values: "atomic", "set", "map"` });
    }
  }
  if (keys.length > 0 && listType !== 'map') {
    if (listType === undefined) errs.push(required(`${path}.x-kubernetes-list-type`, 'must be map if x-kubernetes-list-map-keys is non-empty'));
    else errs.push(invalid(`${path}.x-kubernetes-list-type`, listType, 'must be map if x-kubernetes-list-map-keys is non-empty'));
  }
  if (listType === 'map' && s.type === 'array') {
    const items = Array.isArray(s.items) ? undefined : s.items;
    if (keys.length === 0) errs.push(required(`${path}.x-kubernetes-list-map-keys`, 'must not be empty if x-kubernetes-list-type is map'));
    if (!items) errs.push(required(`${path}.items`, 'must have a schema if x-kubernetes-list-type is map'));
    else if (items.type !== 'object') errs.push(invalid(`${path}.items.type`, items.type ?? '', "must be object if parent array's x-kubernetes-list-type is map"));
    else if (keys.some((k) => !items.properties?.[k])) errs.push(invalid(`${path}.x-kubernetes-list-map-keys`, keys, 'entries must all be names of item properties'));
    else if (new Set(keys).size !== keys.length) errs.push(invalid(`${path}.x-kubernetes-list-map-keys`, keys, 'must not contain duplicate entries'));
  }
  if (s.items && !Array.isArray(s.items)) walk(s.items, `${path}.items`, errs);
  for (const [k, v] of Object.entries(s.properties ?? {})) walk(v, `${path}.properties[${k}]`, errs);
  if (isObject(s.additionalProperties)) walk(s.additionalProperties as Schema, `${path}.additionalProperties`, errs);
}
