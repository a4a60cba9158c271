import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage, busyboxLayer, pushImage, startRegistry, type ContainerConfig, type LayerEntry, type RunningRegistry } from '@skiff/oci';
import { startContainerd, type ContainerdHandle } from '../startContainerd.js';

/**
 * A real container runtime for tests and benchmarks: a registry on 127.0.0.1 holding images
 * built here from the host's busybox, and private containerds (CRI plugin, runc, the CNI bridge),
 * one per node, whose pods live on /24s of their own inside a /16 that gets an unreachable route,
 * so nothing sent to the pod range ever leaves the machine. Everything goes away on close: pods,
 * network namespaces, bridges, the route, the processes and the directories.
 */
export interface TestNodeRuntime {
  endpoint: string;
  /** The node's pod CIDR (its CNI bridge's subnet). */
  podCidr: string;
  bridge: string;
  containerd: ContainerdHandle;
}

export interface TestContainerRuntime extends TestNodeRuntime {
  registry: RunningRegistry;
  /** Every node's runtime; the first is also this object's endpoint/podCidr/bridge. */
  nodes: TestNodeRuntime[];
  /** The /16 the nodes' pod CIDRs are in. */
  clusterCidr: string;
  /** Builds an image (busybox userland + `files`) and pushes it; returns its reference. */
  push(name: string, config: ContainerConfig, files?: LayerEntry[], registry?: { host: string; auth?: { username: string; password: string } }): Promise<string>;
  close(): Promise<void>;
}

function ip(args: string[]): boolean {
  return spawnSync('ip', args, { stdio: 'ignore' }).status === 0;
}

/** A 10.X.0.0/16 (X in 200..249) that no route on this machine touches yet. */
export function freeTestCidr(): string {
  const routes = spawnSync('ip', ['-4', 'route', 'show'], { encoding: 'utf8' }).stdout ?? '';
  for (let i = 0; i < 100; i++) {
    const x = randomInt(200, 250);
    if (!routes.split('\n').some((line) => line.startsWith(`10.${x}.`))) return `10.${x}.0.0/16`;
  }
  throw new Error('no free 10.x.0.0/16 for a test pod network');
}

let counter = 0;

export async function startTestContainerRuntime(opts: { nodes?: number } = {}): Promise<TestContainerRuntime> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-cri-'));
  const nodes: TestNodeRuntime[] = [];
  let routeAdded = false;
  const clusterCidr = freeTestCidr();
  const registry = await startRegistry({ dir: join(dir, 'registry') });
  const close = async () => {
    for (const n of nodes) await n.containerd.stop({ removePods: true });
    if (routeAdded) ip(['route', 'del', 'unreachable', clusterCidr]);
    await registry.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    routeAdded = ip(['route', 'add', 'unreachable', clusterCidr]);
    const base = await busyboxLayer();
    const push: TestContainerRuntime['push'] = async (name, config, files = [], target = registry) => {
      const image = await buildImage({ layers: files.length ? [base, files] : [base], config });
      const [repository, tag = 'latest'] = name.split(':');
      await pushImage(image, { registry: target.host, repository, tag, auth: target.auth });
      return `${target.host}/${repository}:${tag}`;
    };
    const sandboxImage = await push('skiff/pause:1', { Entrypoint: ['/bin/busybox', 'sleep', '2147483647'] });
    const prefix = clusterCidr.split('.').slice(0, 2).join('.');
    for (let i = 1; i <= (opts.nodes ?? 1); i++) {
      const podCidr = `${prefix}.${i}.0/24`;
      const bridge = `skt${process.pid % 100000}x${++counter}`.slice(0, 15);
      const containerd = await startContainerd({ dir: join(dir, `containerd-${i}`), sandboxImage, network: { name: `skiff-${bridge}`, bridge, subnet: podCidr } });
      nodes.push({ endpoint: containerd.endpoint, podCidr, bridge, containerd });
    }
    return { ...nodes[0], nodes, clusterCidr, registry, push, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** A small web server image: busybox httpd on 0.0.0.0:8080 whose /cgi-bin/host answers with the pod's hostname. */
export const WEB_FILES: LayerEntry[] = [
  { path: '/www/index.html', type: 'file', content: 'hello from a container\n' },
  { path: '/www/cgi-bin/host', type: 'file', mode: 0o755, content: '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n"\nhostname\n' },
];

export const WEB_CONFIG: ContainerConfig = {
  // The shell stays pid 1 and exits on SIGTERM (httpd as pid 1 would ignore it and wait for SIGKILL).
  Entrypoint: ['/bin/sh', '-c', 'echo "serving on $(hostname)"; trap "echo stopping; exit 0" TERM; httpd -f -v -p 0.0.0.0:8080 -h /www & wait'],
  Env: ['PATH=/bin'],
  ExposedPorts: { '8080/tcp': {} },
};
