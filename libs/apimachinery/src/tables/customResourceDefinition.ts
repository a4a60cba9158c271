import { column, NAME, nameOf, type Printer } from './columns.js';
import { objectAt, text } from './format.js';

/** `kubectl get crd`: NAME, CREATED AT (apiextensions' table convertor prints the RFC 3339 time). */
export const customResourceDefinitionPrinter: Printer = {
  columns: [NAME, column('Created At', 'date', 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata')],
  cells: (o) => ({ cells: [nameOf(o), text(objectAt(o, 'metadata').creationTimestamp)] }),
};
