/**
 * `npm run bench`: prints the figures each issue asks for. Ratios are measured against a baseline
 * in the same run, because these machines are noisy.
 *
 * `npm run bench -- <text>...` runs only the sections whose name contains one of the texts
 * (case-insensitive), e.g. `npm run bench -- pod`.
 */
import { apiBench, heartbeatBench } from './api.js';
import { gitopsBench } from './gitops.js';
import { gitopsScaleBench } from './gitopsScale.js';
import { overloadBench } from './overload.js';
import { podStartupBench } from './podStartup.js';
import { proxyBench } from './proxy.js';
import { scaleBench } from './scale.js';
import { schedulerBench } from './scheduler.js';
import { startupBench } from './startup.js';

const sections: [string, () => Promise<void>][] = [
  ['Scale: API server and store', apiBench],
  ['Node heartbeats (API server)', heartbeatBench],
  ['Overload: flooding clients, a node and a controller', overloadBench],
  ['Scheduler', schedulerBench],
  ['Pod startup latency', podStartupBench],
  ['Service proxy', proxyBench],
  ['GitOps', gitopsBench],
  ['Scale: start-up', startupBench],
  ['Scale: 1,000 simulated nodes and 10,000 pods on child processes', scaleBench],
  ['Scale: GitOps, 1,000 Applications and the status page', gitopsScaleBench],
];

const filters = process.argv.slice(2).map((a) => a.toLowerCase());
const selected = filters.length ? sections.filter(([name]) => filters.some((f) => name.toLowerCase().includes(f))) : sections;
if (selected.length === 0) {
  console.error(`no section matches ${filters.join(', ')}; sections: ${sections.map(([name]) => name).join(', ')}`);
  process.exit(2);
}

for (const [name, run] of selected) {
  console.log(`\n== ${name} ==`);
  await run();
}
process.exit(0);
