import { AGE, ageOf, column, NAME, nameOf, type Printer } from './columns.js';
import { listAt, objectAt, text, type Json } from './format.js';

// The printer columns of Flux's v1beta2 image CRDs, so `kubectl get imagerepository` reads the same.

const READY = column('Ready', 'string', 'Whether the last reconcile succeeded.');
const STATUS = column('Status', 'string', 'The message of the Ready condition.');

function ready(o: Json): [string, string] {
  const c = listAt(o, 'status', 'conditions').find((x) => x.type === 'Ready');
  return [text(c?.status), text(c?.message)];
}

export const imageRepositoryPrinter: Printer = {
  columns: [NAME, column('Last scan', 'string', 'When the tags were last listed.'), column('Tags', 'string', 'How many tags the last scan found.'), READY, STATUS, AGE],
  cells: (o, now) => {
    const scan = objectAt(o, 'status', 'lastScanResult');
    return { cells: [nameOf(o), text(scan.scanTime), scan.tagCount === undefined ? '' : String(scan.tagCount), ...ready(o), ageOf(o, now)] };
  },
};

export const imagePolicyPrinter: Printer = {
  columns: [NAME, column('LatestImage', 'string', 'The image with the tag the policy chose.'), READY, STATUS, AGE],
  cells: (o, now) => ({ cells: [nameOf(o), text(objectAt(o, 'status').latestImage), ...ready(o), ageOf(o, now)] }),
};

export const imageUpdateAutomationPrinter: Printer = {
  columns: [NAME, column('Last run', 'string', 'When the automation last ran.'), READY, STATUS, AGE],
  cells: (o, now) => ({ cells: [nameOf(o), text(objectAt(o, 'status').lastAutomationRunTime), ...ready(o), ageOf(o, now)] }),
};
