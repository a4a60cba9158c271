/**
 * `npm run bench`: prints the figures each issue asks for. Ratios are measured against a baseline
 * in the same run, because these machines are noisy.
 */
import { apiBench } from './api.js';
import { schedulerBench } from './scheduler.js';

const sections: [string, () => Promise<void>][] = [
  ['API server and store', apiBench],
  ['Scheduler', schedulerBench],
];

for (const [name, run] of sections) {
  console.log(`\n== ${name} ==`);
  await run();
}
process.exit(0);
