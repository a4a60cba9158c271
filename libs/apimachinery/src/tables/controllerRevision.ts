import { listAt, num, objectAt, text } from './format.js';
import { AGE, ageOf, column, NAME, nameOf, type Printer } from './columns.js';

/** `kubectl get controllerrevisions`: NAME CONTROLLER REVISION AGE; the controller as `daemonset.apps/web`. */
export const controllerRevisionPrinter: Printer = {
  columns: [NAME, column('Controller', 'string', 'Controller of the object'), column('Revision', 'string', 'Revision indicates the revision of the state represented by Data.'), AGE],
  cells: (o, now) => {
    const ref = listAt(objectAt(o, 'metadata'), 'ownerReferences').find((r) => r.controller === true);
    let controller = '<none>';
    if (ref) {
      const apiVersion = text(ref.apiVersion);
      const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
      controller = `${text(ref.kind).toLowerCase()}${group ? `.${group}` : ''}/${text(ref.name)}`;
    }
    return { cells: [nameOf(o), controller, num(o.revision), ageOf(o, now)] };
  },
};
