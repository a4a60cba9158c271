import type { PodDisruptionBudget } from 'kubernetes-types/policy/v1.js';
import { AGE, ageOf, column, NAME, nameOf, type Printer } from './columns.js';
import type { Json } from './format.js';

/** `kubectl get pdb`: NAME, MIN AVAILABLE, MAX UNAVAILABLE, ALLOWED DISRUPTIONS, AGE. */
export const podDisruptionBudgetPrinter: Printer = {
  columns: [
    NAME,
    column('Min Available', 'string', 'The minimum number of pods that must be available.'),
    column('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
    column('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
    AGE,
  ],
  cells: (o: Json, now) => {
    const pdb = o as PodDisruptionBudget;
    const show = (v: number | string | undefined) => (v === undefined ? 'N/A' : String(v));
    return { cells: [nameOf(o), show(pdb.spec?.minAvailable), show(pdb.spec?.maxUnavailable), pdb.status?.disruptionsAllowed ?? 0, ageOf(o, now)] };
  },
};
