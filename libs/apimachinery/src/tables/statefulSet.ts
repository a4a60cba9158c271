import { AGE, ageOf, column, CONTAINERS, containerCells, IMAGES, NAME, nameOf, type Printer } from './columns.js';
import { listAt, num, objectAt, text } from './format.js';

// Kubernetes' printers for the apps/v1 StatefulSet and ControllerRevision (pkg/printers/internalversion).

/** NAME READY AGE [CONTAINERS IMAGES]: READY is ready pods over desired replicas. */
export const statefulSetPrinter: Printer = {
  columns: [NAME, column('Ready', 'string', 'Number of the pod with ready state'), AGE, CONTAINERS, IMAGES],
  cells: (o, now) => {
    const spec = objectAt(o, 'spec');
    const desired = typeof spec.replicas === 'number' ? spec.replicas : 1;
    const [names, images] = containerCells(objectAt(spec, 'template', 'spec'));
    return { cells: [nameOf(o), `${num(objectAt(o, 'status').readyReplicas)}/${desired}`, ageOf(o, now), names, images] };
  },
};

/** NAME CONTROLLER REVISION AGE: CONTROLLER as `kind.group/name` (`statefulset.apps/web`). */
export const controllerRevisionPrinter: Printer = {
  columns: [
    NAME,
    column('Controller', 'string', 'Controller of the object'),
    column('Revision', 'string', 'Revision indicates the revision of the state represented by Data.'),
    AGE,
  ],
  cells: (o, now) => {
    const ref = listAt(objectAt(o, 'metadata'), 'ownerReferences').find((r) => r.controller === true);
    let controller = '';
    if (ref) {
      const apiVersion = text(ref.apiVersion);
      const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
      controller = `${text(ref.kind).toLowerCase()}${group ? `.${group}` : ''}/${text(ref.name)}`;
    }
    return { cells: [nameOf(o), controller, num(o.revision), ageOf(o, now)] };
  },
};
