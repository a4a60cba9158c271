import type { JSONSchemaProps } from 'kubernetes-types/apiextensions/v1.js';

/**
 * A CustomResourceDefinition version's OpenAPI v3 schema with the Kubernetes extensions
 * (`kubernetes-types` leaves them out: their names are not identifiers).
 */
export interface Schema extends Omit<JSONSchemaProps, 'properties' | 'items' | 'additionalProperties' | 'allOf' | 'anyOf' | 'oneOf' | 'not' | 'default' | 'enum'> {
  properties?: Record<string, Schema>;
  items?: Schema | Schema[];
  additionalProperties?: Schema | boolean;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  not?: Schema;
  default?: unknown;
  enum?: unknown[];
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-validations'?: unknown[];
}

export type Json = Record<string, unknown>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The schema of an array's items (a structural schema has one). */
export function itemsOf(s: Schema): Schema | undefined {
  return Array.isArray(s.items) ? s.items[0] : s.items;
}

/** The schema of an object's value under `key`: a declared property, else additionalProperties. */
export function propertySchema(s: Schema, key: string): Schema | undefined {
  const declared = s.properties?.[key];
  if (declared) return declared;
  return isObject(s.additionalProperties) ? (s.additionalProperties as Schema) : undefined;
}

/** JSON's type of a value, as kube-openapi names it in "must be of type" messages. */
export function jsonType(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}
