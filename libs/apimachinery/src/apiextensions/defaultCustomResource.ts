import { isObject, itemsOf, type Json, type Schema } from './schema.js';

/**
 * Fills, in place, what a structural schema's `default`s say (Kubernetes' CRD defaulting): a
 * missing field gets a copy of its default, and so does a `null` where the field is not
 * nullable (kube-apiserver prunes such a null before defaulting). Defaults apply in list items
 * and map values too; a default is itself defaulted below, as Kubernetes' are once stored.
 */
export function defaultCustomResource(obj: Json, schema: Schema): void {
  defaultValue(obj, schema);
}

function defaultValue(value: unknown, s: Schema): void {
  if (Array.isArray(value)) {
    const items = itemsOf(s);
    if (items) for (const item of value) defaultValue(item, items);
    return;
  }
  if (!isObject(value)) return;
  for (const [key, prop] of Object.entries(s.properties ?? {})) {
    const missing = value[key] === undefined || (value[key] === null && !prop.nullable);
    if (missing && prop.default !== undefined) value[key] = structuredClone(prop.default);
    else if (value[key] === null && !prop.nullable) delete value[key];
    if (value[key] !== undefined) defaultValue(value[key], prop);
  }
  if (isObject(s.additionalProperties)) {
    const additional = s.additionalProperties as Schema;
    for (const key of Object.keys(value)) if (!s.properties?.[key]) defaultValue(value[key], additional);
  }
}
