import builtin from './builtinSchemas.json' with { type: 'json' };

/**
 * Which fields a built-in kind declares (from Kubernetes' OpenAPI document, through the attribute
 * maps @kubernetes/client-node generates; scripts/generateBuiltinSchemas.mjs writes the data).
 * A field's type is `''` for a scalar or a value that takes anything (RawExtension, FieldsV1), a
 * type name, `[T]` for a list of T, or `{ '*': T }` for a map of T.
 */
export type FieldType = string | FieldType[] | { '*': FieldType };

const TYPES = builtin.types as Record<string, Record<string, FieldType>>;
const KINDS = builtin.kinds as Record<string, string>;

/** The declared fields of a type name, or undefined for `''` (anything goes). */
export function fieldsOf(type: string): Record<string, FieldType> | undefined {
  return type === '' ? undefined : TYPES[type];
}

/** The root type of a built-in kind; undefined for kinds without a schema (skiff.dev, unknown), which accept any field. */
export function fieldSchemaFor(apiVersion: string | undefined, kind: string | undefined): FieldType | undefined {
  if (!apiVersion || !kind) return undefined;
  return KINDS[`${apiVersion}/${kind}`];
}
