import { listAt, objectAt, since, text, type Json } from './format.js';
import type { RowCondition } from './pod.js';

/**
 * What a kind's Table printer is made of: column definitions as kube-apiserver writes them, and
 * the helpers every printer shares (name, age, a template's containers and images).
 */

export interface TableColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
export const AGE_DESCRIPTION =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

export function column(name: string, type: string, description: string, priority = 0, format = ''): TableColumnDefinition {
  return { name, type, format, description, priority };
}

export const NAME = column('Name', 'string', NAME_DESCRIPTION, 0, 'name');
export const AGE = column('Age', 'string', AGE_DESCRIPTION);
export const CONTAINERS = column('Containers', 'string', 'Names of each container in the template.', 1);
export const IMAGES = column('Images', 'string', 'Images referenced by each container in the template.', 1);

/** A kind's server-side printer (Kubernetes' TableGenerator handlers). */
export interface Printer {
  columns: TableColumnDefinition[];
  /** One row's cells, in column order, for every column (wide ones included). */
  cells(obj: Json, now: Date): { cells: unknown[]; conditions?: RowCondition[] };
}

export function nameOf(obj: Json): string {
  return text(objectAt(obj, 'metadata').name);
}

export function ageOf(obj: Json, now: Date): string {
  return since(objectAt(obj, 'metadata').creationTimestamp, now);
}

/** Container names and images of a template, comma-separated, for the wide columns. */
export function containerCells(podSpec: Json): [string, string] {
  const containers = listAt(podSpec, 'containers');
  return [containers.map((c) => text(c.name)).join(','), containers.map((c) => text(c.image)).join(',')];
}

/** What every kind without its own printer shows, like a CustomResource without printer columns. */
export const DEFAULT_PRINTER: Printer = {
  columns: [NAME, AGE],
  cells: (o, now) => ({ cells: [nameOf(o), ageOf(o, now)] }),
};
