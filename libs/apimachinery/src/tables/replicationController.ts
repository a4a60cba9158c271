import { formatLabels, num, objectAt } from './format.js';
import { AGE, ageOf, column, CONTAINERS, containerCells, IMAGES, NAME, nameOf, type Printer } from './columns.js';

/** `kubectl get rc`: NAME DESIRED CURRENT READY AGE [CONTAINERS IMAGES SELECTOR]; the selector is a plain label map. */
export const replicationControllerPrinter: Printer = {
  columns: [
    NAME,
    column('Desired', 'integer', 'Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller'),
    column('Current', 'integer', 'Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller'),
    column('Ready', 'integer', 'The number of ready replicas for this replication controller.'),
    AGE,
    CONTAINERS,
    IMAGES,
    column('Selector', 'string', 'Selector is a label query over pods that should match the Replicas count. If Selector is empty, it is defaulted to the labels present on the Pod template. Label keys and values that must match in order to be controlled by this replication controller, if empty defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors', 1),
  ],
  cells: (o, now) => {
    const spec = objectAt(o, 'spec');
    const status = objectAt(o, 'status');
    const desired = typeof spec.replicas === 'number' ? spec.replicas : 1;
    const [names, images] = containerCells(objectAt(spec, 'template', 'spec'));
    return { cells: [nameOf(o), desired, num(status.replicas), num(status.readyReplicas), ageOf(o, now), names, images, formatLabels(spec.selector)] };
  },
};
