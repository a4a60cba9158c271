import { spawnSync } from 'node:child_process';

export type RuntimeRequest = 'auto' | 'containerd' | 'process';

export interface RuntimeDecision {
  mode: 'containerd' | 'process';
  /** One line for the user: what pods are, and when they are not containers, why and how to get them. */
  message: string;
}

const PACKAGES = 'containerd runc containernetworking-plugins docker-registry busybox-static nftables';

function containerdVersion(): string {
  const out = spawnSync('containerd', ['--version'], { encoding: 'utf8' }).stdout ?? '';
  return /containerd\S*\s+\S+\s+v?(\S+)/.exec(out)?.[1]?.replace(/~.*$/, '') ?? '';
}

/**
 * Containers where the machine can run them (root, containerd, runc, the CNI plugins), the
 * process runtime otherwise; `containerd` insists and fails with the reason.
 */
export async function decideRuntime(request: RuntimeRequest): Promise<RuntimeDecision> {
  if (request === 'process') return { mode: 'process', message: 'pods run as host processes (--runtime process); their images are not pulled' };
  // The CRI client (gRPC) is loaded only where containers may run.
  const { checkContainerdTools } = await import('@skiff/cri');
  const tools = checkContainerdTools();
  const missing = ['docker-registry', 'busybox', 'nft'].filter((cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status !== 0);
  const reason = !tools.ok ? tools.reason : missing.length ? `missing ${missing.join(', ')}` : undefined;
  if (!reason) return { mode: 'containerd', message: `pods run as OCI containers (containerd ${containerdVersion()} with runc over the CRI), each in its own network namespace` };
  if (request === 'containerd') throw new Error(`--runtime containerd: ${reason} (Debian: apt-get install ${PACKAGES}; run as root)`);
  return { mode: 'process', message: `pods run as host processes, not containers: ${reason}. For containers: apt-get install ${PACKAGES}, and run as root` };
}
