import { AGE, ageOf, column, NAME, nameOf, type Printer } from './columns.js';
import { objectAt, text } from './format.js';

/**
 * `kubectl get applications.argoproj.io`: the columns Argo CD's CRD declares (its
 * additionalPrinterColumns), so the output reads as it does on an Argo CD cluster: no Age column,
 * revision and project with `-o wide`.
 */
export const argoApplicationPrinter: Printer = {
  columns: [
    NAME,
    column('Sync Status', 'string', 'Whether the live objects match the desired state in git: Synced, OutOfSync or Unknown.'),
    column('Health Status', 'string', 'The aggregate health of the objects the Application manages.'),
    column('Revision', 'string', 'The commit the live state was last compared with.', 10),
    column('Project', 'string', 'The AppProject the Application belongs to.', 10),
  ],
  cells: (o) => {
    const status = objectAt(o, 'status');
    return { cells: [nameOf(o), text(objectAt(status, 'sync').status), text(objectAt(status, 'health').status), text(objectAt(status, 'sync').revision), text(objectAt(o, 'spec').project)] };
  },
};

/** AppProject and ApplicationSet: Argo CD's CRDs declare no columns, so a custom resource's Name and Age. */
export const nameAgePrinter: Printer = {
  columns: [NAME, AGE],
  cells: (o, now) => ({ cells: [nameOf(o), ageOf(o, now)] }),
};
