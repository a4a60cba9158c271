import { pino } from 'pino';
import { startSimulatedNodes } from '@skiff/node-agent';
import { clientFromKubeconfig } from './agent.js';

export interface SimNodesOptions {
  kubeconfig: string;
  namePrefix: string;
  heartbeatMs: number;
}

/**
 * `skiff sim nodes N`: kwok-style nodes joined to any running cluster, in the foreground, with the
 * kubeconfig's credentials (they list and watch every pod). Ctrl-C deletes them again, so the pod
 * garbage collector frees their pods for other nodes.
 */
export async function simNodes(count: number, opts: SimNodesOptions): Promise<void> {
  const { server, token, caPem } = clientFromKubeconfig(opts.kubeconfig);
  const logger = pino({ base: { component: 'simulated-nodes' } });
  const nodes = await startSimulatedNodes({ server, token, ca: caPem, count, namePrefix: opts.namePrefix, heartbeatMs: opts.heartbeatMs, logger });
  console.log(`skiff: ${count} simulated nodes joined ${server} (${nodes.nodeNames[0]} .. ${nodes.nodeNames.at(-1)}); Ctrl-C removes them`);
  await new Promise<void>((done) => {
    let stopping = false;
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.once(sig, () => {
        if (stopping) return;
        stopping = true;
        console.log('skiff: removing the simulated nodes');
        void nodes.close({ removeNodes: true }).finally(done);
      });
    }
  });
}
