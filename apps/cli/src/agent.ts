import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import yaml from 'js-yaml';
import { ApiClient } from '@skiff/kube-client';
import { bearerToken } from '@skiff/controller-runtime';
import { createNodeToken } from './nodeTokens.js';
import { componentCommand } from './processes.js';
import { ensurePrivateDir, writeSecretFile } from './secretFiles.js';
import { spawn } from 'node:child_process';

export interface AgentOptions {
  server: string;
  token?: string;
  tokenFile?: string;
  nodeName: string;
  caFile?: string;
  dataDir: string;
  podCidr: string;
  cpu?: string;
  memory?: string;
  maxPods?: string;
  stopPodsOnExit?: boolean;
  simulate?: boolean;
  /** A CRI runtime on this machine (its own containerd): pods are containers on its CNI network. */
  containerRuntimeEndpoint?: string;
  /** Container log rotation, passed on to the node agent as is. */
  containerLogMaxSize?: string;
  containerLogMaxFiles?: string;
}

/** `skiff agent`: runs a node agent in the foreground that joins the cluster at --server. */
export async function agent(opts: AgentOptions): Promise<void> {
  const dataDir = resolve(opts.dataDir);
  ensurePrivateDir(dataDir);
  const token = bearerToken(opts);
  if (!token) throw new Error('a node token is required: --token-file FILE, SKIFF_TOKEN or --token');
  // The agent reads its token from a file, never from its command line.
  const tokenFile = join(dataDir, 'token');
  writeSecretFile(tokenFile, token + '\n');
  const args = [...componentCommand('node-agent'), '--server', opts.server, '--token-file', tokenFile, '--node-name', opts.nodeName, '--pod-cidr', opts.podCidr, '--data-dir', dataDir];
  if (opts.cpu) args.push('--cpu', opts.cpu);
  if (opts.memory) args.push('--memory', opts.memory);
  if (opts.maxPods) args.push('--max-pods', opts.maxPods);
  if (opts.stopPodsOnExit) args.push('--stop-pods-on-exit');
  if (opts.simulate) args.push('--simulate');
  if (opts.containerRuntimeEndpoint) args.push('--container-runtime-endpoint', opts.containerRuntimeEndpoint);
  if (opts.containerLogMaxSize) args.push('--container-log-max-size', opts.containerLogMaxSize);
  if (opts.containerLogMaxFiles) args.push('--container-log-max-files', opts.containerLogMaxFiles);
  const env = { ...process.env, ...(opts.caFile ? { NODE_EXTRA_CA_CERTS: resolve(opts.caFile) } : {}) };
  const child = spawn(process.execPath, args, { stdio: 'inherit', env });
  // Passed on as SIGTERM: at a terminal the agent also gets the Ctrl-C's SIGINT itself, and a
  // second SIGINT would make it exit at once, without stopping its pods.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => child.kill('SIGTERM'));
  await new Promise<void>((done) => child.on('exit', (code) => {
    process.exitCode = code ?? 1;
    done();
  }));
}

interface Kubeconfig {
  clusters: { name: string; cluster: { server: string; 'certificate-authority-data'?: string } }[];
  users: { name: string; user: { token?: string } }[];
  contexts: { name: string; context: { cluster: string; user: string } }[];
  'current-context': string;
}

export function clientFromKubeconfig(file: string): { client: ApiClient; server: string; token: string; caPem?: string } {
  const config = yaml.load(readFileSync(file, 'utf8')) as Kubeconfig;
  const ctx = config.contexts.find((c) => c.name === config['current-context'])?.context;
  const cluster = config.clusters.find((c) => c.name === ctx?.cluster)?.cluster;
  const user = config.users.find((u) => u.name === ctx?.user)?.user;
  if (!cluster || !user?.token) throw new Error(`${file}: the current context needs a cluster and a user with a token`);
  const caPem = cluster['certificate-authority-data'] ? Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8') : undefined;
  return { client: new ApiClient({ server: cluster.server, token: user.token, ca: caPem }), server: cluster.server, token: user.token, caPem };
}

/** `skiff token create-node NAME`: mints a node token and prints how to join with it. */
export async function createNodeTokenCommand(node: string, kubeconfig: string): Promise<void> {
  const { client, server } = clientFromKubeconfig(kubeconfig);
  const token = await createNodeToken(client, node);
  console.log(token);
  console.error(`join from another machine (copy the cluster CA, DATA_DIR/pki/ca.crt, there first, and the token into a file only you can read, e.g. node.token):`);
  console.error(`  npm run skiff -- agent --server ${server} --token-file node.token --node-name ${node} --ca-file ca.crt`);
}
