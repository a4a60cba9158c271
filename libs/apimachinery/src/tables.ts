import type { KubeObject } from './types.js';
import type { Json } from './tables/format.js';
import { DEFAULT_PRINTER, type Printer, type TableColumnDefinition } from './tables/columns.js';
import type { RowCondition } from './tables/pod.js';

export { humanDuration } from './tables/format.js';
export type { RowCondition } from './tables/pod.js';

/**
 * Server-side printing for `kubectl get` (Kubernetes' pkg/printers/internalversion): a
 * `meta.k8s.io/v1` Table whose columns are what users see from a real cluster. As in Kubernetes
 * the server always fills every column; kubectl hides priority-1 columns unless `-o wide`.
 */

export type { Printer, TableColumnDefinition } from './tables/columns.js';
export { AGE, ageOf, column, CONTAINERS, containerCells, DEFAULT_PRINTER, IMAGES, NAME, nameOf } from './tables/columns.js';

export interface TableRow {
  cells: unknown[];
  conditions?: RowCondition[];
  object?: unknown;
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  /** The clock AGE is measured against. */
  now: Date;
  /** What each row carries besides its cells; Kubernetes' default is Metadata. */
  includeObject?: IncludeObject;
  resourceVersion?: string;
  continue?: string;
  /** Leave out the column definitions (e.g. watch events after the first). */
  noHeaders?: boolean;
}

function printerFor(kind: { printer?: Printer }): Printer {
  return kind.printer ?? DEFAULT_PRINTER;
}

/** The columns `kubectl get` shows for a kind (priority 1: only with `-o wide`). */
export function tableColumnsFor(type: { printer?: Printer }): TableColumnDefinition[] {
  return printerFor(type).columns.map((c) => ({ ...c }));
}

function rowObject(obj: KubeObject, includeObject: IncludeObject): unknown {
  if (includeObject === 'Object') return obj;
  return { apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadata', metadata: obj.metadata };
}

/** A `meta.k8s.io/v1` Table of `objects`, one row each, in the order given. */
export function toTable(objects: readonly KubeObject[], type: { printer?: Printer }, opts: TableOptions): KubeObject {
  const printer = printerFor(type);
  const includeObject = opts.includeObject ?? 'Metadata';
  const rows: TableRow[] = objects.map((obj) => {
    const { cells, conditions } = printer.cells(obj as unknown as Json, opts.now);
    const row: TableRow = { cells };
    if (conditions) row.conditions = conditions;
    if (includeObject !== 'None') row.object = rowObject(obj, includeObject);
    return row;
  });
  // A single object's table carries that object's resourceVersion, as Kubernetes' table generator does.
  const resourceVersion = opts.resourceVersion ?? (objects.length === 1 ? objects[0].metadata?.resourceVersion : undefined);
  const metadata: Record<string, unknown> = {};
  if (resourceVersion) metadata.resourceVersion = resourceVersion;
  if (opts.continue) metadata.continue = opts.continue;
  return {
    apiVersion: 'meta.k8s.io/v1',
    kind: 'Table',
    metadata,
    ...(opts.noHeaders ? {} : { columnDefinitions: printer.columns.map((c) => ({ ...c })) }),
    rows,
  };
}
