import type { CustomResourceColumnDefinition } from 'kubernetes-types/apiextensions/v1.js';
import { AGE_DESCRIPTION, column, NAME, nameOf, type Printer } from '../tables/columns.js';
import { since } from '../tables/format.js';
import { jsonPathValue } from './jsonPath.js';
import { isObject } from './schema.js';

/** What a CRD version without printer columns shows (apiextensions' default columns). */
const DEFAULT_COLUMNS: CustomResourceColumnDefinition[] = [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: AGE_DESCRIPTION }];

/**
 * A custom resource's Table printer from its version's `additionalPrinterColumns`, as
 * apiextensions' table convertor builds it: Name, then each column's JSONPath value typed by the
 * column (integer, number, boolean, string, date as an age), null where the path finds nothing.
 */
export function customResourcePrinter(columns: readonly CustomResourceColumnDefinition[] | undefined): Printer {
  const cols = columns && columns.length > 0 ? columns : DEFAULT_COLUMNS;
  return {
    columns: [
      NAME,
      ...cols.map((c) => column(c.name, c.type, c.description || `Custom resource definition column (in JSONPath format): ${c.jsonPath}`, c.priority ?? 0, c.format ?? '')),
    ],
    cells: (o, now) => ({ cells: [nameOf(o), ...cols.map((c) => cell(c.type, jsonPathValue(o, c.jsonPath), now))] }),
  };
}

function cell(type: string, value: unknown, now: Date): unknown {
  if (value === undefined || value === null) return null;
  switch (type) {
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'date':
      if (typeof value !== 'string') return null;
      return Number.isNaN(Date.parse(value)) ? '<invalid>' : since(value, now);
    case 'string':
      // jsonpath prints what it finds: strings as they are, anything else as JSON.
      return typeof value === 'string' ? value : isObject(value) || Array.isArray(value) ? JSON.stringify(value) : String(value);
    default:
      return null;
  }
}
