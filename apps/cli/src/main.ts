import { Command, InvalidArgumentError } from 'commander';
import { up } from './up.js';

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
    return n;
  };
}

const program = new Command('skiff').description('Skiff: a GitOps-driven orchestrator with a Kubernetes-compatible control plane');

program
  .command('up')
  .description('run a whole local cluster in the foreground until Ctrl-C')
  .option('--data-dir <dir>', 'data directory (embedded database, tokens, kubeconfig, logs)', process.env.SKIFF_DATA_DIR ?? '.skiff')
  .option('--port <n>', 'port of the API server and status page', positiveInt('--port'), Number(process.env.SKIFF_PORT ?? 6443))
  .option('--nodes <n>', 'number of node agents to start', positiveInt('--nodes'), 2)
  .option('--host <addr>', 'address the API server listens on', process.env.SKIFF_HOST ?? '127.0.0.1')
  .action(async (o: { dataDir: string; port: number; nodes: number; host: string }) => {
    try {
      await up(o);
    } catch (err) {
      console.error(`skiff up: ${(err as Error).message}`);
      process.exit(1);
    }
  });

await program.parseAsync();
