import { hostname } from 'node:os';
import { Command, InvalidArgumentError } from 'commander';
import type { RuntimeRequest } from './runtimeMode.js';

// Each command imports its module when it runs: `skiff up` loads what starts the API server, and
// the rest (clients, git, containers) while the API server starts, not before.

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
  .option('--no-example', 'do not create the example git repository and its Application at first start')
  .option('--runtime <runtime>', 'how pods run: containerd (OCI containers, each pod its own network namespace; needs root), process (host processes), or auto', (v: string) => {
    if (!['auto', 'containerd', 'process'].includes(v)) throw new InvalidArgumentError('must be auto, containerd or process');
    return v as RuntimeRequest;
  }, (process.env.SKIFF_RUNTIME ?? 'auto') as RuntimeRequest)
  .option('--hpa-sync-period <seconds>', 'how often each HorizontalPodAutoscaler is evaluated', positiveInt('--hpa-sync-period'), 15)
  .option('--metrics-resolution <seconds>', 'how often node agents sample usage (the window of `kubectl top` cpu rates)', positiveInt('--metrics-resolution'), 10)
  .option('--disable-admission-plugins <list>', 'the API server\'s admission plugins to turn off (ServiceAccount, as Kubernetes\' own test/cmd runs)', '')
  .option('--simulated-nodes <n>', 'also join this many kwok-style simulated nodes (sim-node-0, ...): pods on them are reported Running, nothing runs', positiveInt('--simulated-nodes'), 0)
  .action(async (o: { dataDir: string; port: number; nodes: number; host: string; example: boolean; runtime: RuntimeRequest; hpaSyncPeriod: number; metricsResolution: number; disableAdmissionPlugins: string; simulatedNodes: number }) => {
    try {
      await (await import('./up.js')).up(o);
    } catch (err) {
      console.error(`skiff up: ${(err as Error).message}`);
      process.exit(1);
    }
  });

program
  .command('agent')
  .description('run a node agent that joins the cluster at --server (e.g. from a second machine)')
  .requiredOption('--server <url>', 'the API server, e.g. https://10.0.0.5:6443')
  .option('--token-file <file>', 'a file holding a node token from `skiff token create-node NAME` (or SKIFF_TOKEN)')
  .option('--token <token>', 'the node token itself (visible in the process list: prefer --token-file)')
  .option('--node-name <name>', 'the Node to register as (must match the token)', hostname())
  .option('--ca-file <file>', 'the cluster CA certificate (DATA_DIR/pki/ca.crt on the first machine)')
  .option('--data-dir <dir>', 'where the agent keeps pod state and logs', '.skiff-agent')
  .option('--pod-cidr <cidr>', 'this node\'s pod addresses, inside 127.0.0.0/8', '127.250.0.0/16')
  .option('--cpu <quantity>', 'CPU capacity to report (default: the host\'s)')
  .option('--memory <quantity>', 'memory capacity to report (default: the host\'s)')
  .option('--max-pods <n>', 'pod capacity (default 110)')
  .option('--stop-pods-on-exit', 'stop this node\'s pods when the agent is stopped (default: they keep running and are adopted on restart)')
  .option('--simulate', 'report pods Running without starting processes')
  .option('--container-runtime-endpoint <endpoint>', 'run pods as containers on this machine\'s CRI runtime (unix:///run/containerd/containerd.sock); --pod-cidr is then its CNI network')
  .option('--container-log-max-size <quantity>', 'rotate a running container\'s log once it reaches this size (default 10Mi)')
  .option('--container-log-max-files <n>', 'log files kept per container, the live one included (default 5)')
  .action(async (o: { server: string; token?: string; tokenFile?: string; nodeName: string; caFile?: string; dataDir: string; podCidr: string; cpu?: string; memory?: string; maxPods?: string; stopPodsOnExit?: boolean; simulate?: boolean; containerRuntimeEndpoint?: string; containerLogMaxSize?: string; containerLogMaxFiles?: string }) => {
    await (await import('./agent.js')).agent(o);
  });

program
  .command('sim')
  .description('simulate parts of a cluster')
  .command('nodes <count>')
  .description('join COUNT kwok-style simulated nodes to the cluster of --kubeconfig until Ctrl-C, then remove them: they heartbeat and report the pods bound to them Running, without running anything')
  .option('--kubeconfig <file>', 'admin kubeconfig', process.env.KUBECONFIG ?? '.skiff/kubeconfig')
  .option('--name-prefix <prefix>', 'nodes are named PREFIX0, PREFIX1, ...', 'sim-node-')
  .option('--heartbeat-ms <ms>', 'lease renew period of each node', positiveInt('--heartbeat-ms'), 10_000)
  .action(async (count: string, o: { kubeconfig: string; namePrefix: string; heartbeatMs: number }) => {
    await (await import('./simNodes.js')).simNodes(positiveInt('COUNT')(count), o);
  });

program
  .command('rollback <app> [target]')
  .description('roll an Application back by committing to its repository: a revert of the live commit, or the tree of TARGET (a history id from `skiff app history`, or a git ref)')
  .option('-n, --namespace <ns>', 'the Application\'s namespace', 'default')
  .option('--kubeconfig <file>', 'admin kubeconfig', process.env.KUBECONFIG ?? '.skiff/kubeconfig')
  .action(async (app: string, target: string | undefined, o: { namespace: string; kubeconfig: string }) => {
    await (await import('./rollback.js')).rollback(app, target, o);
  });

const appCommand = program.command('app').description('inspect Applications');
appCommand
  .command('diff <app>')
  .description('show what a sync would change (server dry run, secrets masked); exit 0: nothing, 1: changes, 2: error')
  .option('-n, --namespace <ns>', 'the Application\'s namespace', 'default')
  .option('--kubeconfig <file>', 'admin kubeconfig', process.env.KUBECONFIG ?? '.skiff/kubeconfig')
  .option('--revision <rev>', 'a commit, branch or tag of the Application\'s repository (default: its target revision)')
  .option('--local <dir>', 'a folder on this machine instead of the repository')
  .option('--color <when>', 'colour the diff: auto (when stdout is a terminal), always, never', 'auto')
  .action(async (app: string, o: { namespace: string; kubeconfig: string; revision?: string; local?: string; color: string }) => {
    if (o.revision && o.local) program.error('--revision and --local cannot be used together');
    if (!['auto', 'always', 'never'].includes(o.color)) program.error('--color must be auto, always or never');
    const color = o.color === 'always' || (o.color === 'auto' && process.stdout.isTTY === true);
    const { appDiff, DIFF_ERROR } = await import('./appCommands.js');
    try {
      process.exitCode = await appDiff(app, { ...o, color });
    } catch (err) {
      console.error(`skiff app diff: ${(err as Error).message}`);
      process.exitCode = DIFF_ERROR;
    }
  });
appCommand
  .command('history <app>')
  .description('list the revisions an Application ran, with the ids `skiff rollback` takes')
  .option('-n, --namespace <ns>', 'the Application\'s namespace', 'default')
  .option('--kubeconfig <file>', 'admin kubeconfig', process.env.KUBECONFIG ?? '.skiff/kubeconfig')
  .action(async (app: string, o: { namespace: string; kubeconfig: string }) => {
    await (await import('./appCommands.js')).appHistory(app, o);
  });

program
  .command('secrets')
  .description('manage Secrets at rest')
  .command('reencrypt')
  .description('write every Secret back so the API server encrypts it with the first key of its encryption config (after a key rotation)')
  .option('--kubeconfig <file>', 'admin kubeconfig', process.env.KUBECONFIG ?? '.skiff/kubeconfig')
  .action(async (o: { kubeconfig: string }) => {
    const [{ reencryptSecrets }, { clientFromKubeconfig }] = await Promise.all([import('./reencryptSecrets.js'), import('./agent.js')]);
    const { rewritten, skipped } = await reencryptSecrets(clientFromKubeconfig(o.kubeconfig).client);
    console.log(`${rewritten} secrets written back${skipped ? `, ${skipped} changed or deleted meanwhile` : ''}`);
  });

const token = program.command('token').description('manage join tokens');
token
  .command('create-node <name>')
  .description('mint a token with which a node agent may join as NAME')
  .option('--kubeconfig <file>', 'admin kubeconfig', process.env.KUBECONFIG ?? '.skiff/kubeconfig')
  .action(async (name: string, o: { kubeconfig: string }) => {
    await (await import('./agent.js')).createNodeTokenCommand(name, o.kubeconfig);
  });
token
  .command('create-user <name>')
  .description('mint a token for user NAME and print its kubeconfig user entry (what NAME may do is up to RBAC bindings)')
  .option('--group <group>', 'a group the user is in (repeatable)', (g: string, all: string[]) => [...all, g], [] as string[])
  .option('--kubeconfig <file>', 'admin kubeconfig', process.env.KUBECONFIG ?? '.skiff/kubeconfig')
  .action(async (name: string, o: { group: string[]; kubeconfig: string }) => {
    const [{ createUserToken, kubeconfigUserStanza }, { clientFromKubeconfig }] = await Promise.all([import('./userTokens.js'), import('./agent.js')]);
    const { client } = clientFromKubeconfig(o.kubeconfig);
    const minted = await createUserToken(client, name, o.group);
    process.stdout.write(kubeconfigUserStanza(name, minted));
    console.error(`the token is shown once: only its SHA-256 is stored. Grant access with e.g. kubectl create rolebinding ${name}-edit --clusterrole=edit --user=${name} -n NAMESPACE`);
  });
token
  .command('revoke <name>')
  .description('delete every token of user NAME (or node NAME)')
  .option('--kubeconfig <file>', 'admin kubeconfig', process.env.KUBECONFIG ?? '.skiff/kubeconfig')
  .action(async (name: string, o: { kubeconfig: string }) => {
    const [{ revokeTokens }, { clientFromKubeconfig }] = await Promise.all([import('./userTokens.js'), import('./agent.js')]);
    const { client } = clientFromKubeconfig(o.kubeconfig);
    const revoked = await revokeTokens(client, name);
    if (revoked === 0) {
      console.error(`no tokens of ${name}`);
      process.exitCode = 1;
      return;
    }
    console.log(`${revoked} token${revoked === 1 ? '' : 's'} of ${name} revoked`);
  });

program
  .command('certificate')
  .description('client certificates signed by the cluster CA')
  .command('create-user <name>')
  .description('make a client certificate for user NAME (CN NAME, O each group) and print its kubeconfig user entry; it cannot be revoked, only expire')
  .option('--group <group>', 'a group the user is in (repeatable)', (g: string, all: string[]) => [...all, g], [] as string[])
  .option('--days <n>', 'days the certificate is good for', positiveInt('--days'), 30)
  .option('--data-dir <dir>', 'the cluster\'s data directory (its CA key signs)', process.env.SKIFF_DATA_DIR ?? '.skiff')
  .action(async (name: string, o: { group: string[]; days: number; dataDir: string }) => {
    const [{ clientCertificate }, { kubeconfigCertificateStanza }] = await Promise.all([import('./pki.js'), import('./userTokens.js')]);
    const { certPem, keyPem } = clientCertificate(o.dataDir, name, o.group, o.days);
    process.stdout.write(kubeconfigCertificateStanza(name, certPem, keyPem));
    console.error(`valid for ${o.days} days. Grant access with e.g. kubectl create rolebinding ${name}-edit --clusterrole=edit --user=${name} -n NAMESPACE`);
  });

await program.parseAsync();
