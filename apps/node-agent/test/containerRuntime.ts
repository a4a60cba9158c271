import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startContainerd, type ContainerdHandle } from '@skiff/cri';
import { buildImage, busyboxLayer, pushImage, startRegistry, type ContainerConfig, type LayerEntry, type RunningRegistry } from '@skiff/oci';

/**
 * A real container runtime for tests: a registry on 127.0.0.1 holding images built here from the
 * host's busybox, and a private containerd (CRI plugin, runc, the CNI bridge) whose pods live on
 * a /24 of their own. Everything goes away on close: pods, network namespaces, the bridge, the
 * processes and the directories.
 */
export interface TestContainerRuntime {
  endpoint: string;
  registry: RunningRegistry;
  /** The node's pod CIDR (the CNI bridge's subnet). */
  podCidr: string;
  bridge: string;
  containerd: ContainerdHandle;
  /** Builds an image (busybox userland + `files`) and pushes it; returns its reference. */
  push(name: string, config: ContainerConfig, files?: LayerEntry[], registry?: { host: string; auth?: { username: string; password: string } }): Promise<string>;
  close(): Promise<void>;
}

/** A /24 in 10.x.y.0 that no route on this machine covers yet. */
export function freeTestSubnet(): string {
  const routes = spawnSync('ip', ['-4', 'route', 'show'], { encoding: 'utf8' }).stdout;
  for (let i = 0; i < 100; i++) {
    const subnet = `10.${randomInt(200, 250)}.${randomInt(1, 254)}.0/24`;
    if (!routes.includes(subnet.split('.').slice(0, 3).join('.'))) return subnet;
  }
  throw new Error('no free 10.x.y.0/24 for a test pod network');
}

let counter = 0;

export async function startTestContainerRuntime(): Promise<TestContainerRuntime> {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-cri-'));
  const registry = await startRegistry({ dir: join(dir, 'registry') });
  const base = await busyboxLayer();
  const push: TestContainerRuntime['push'] = async (name, config, files = [], target = registry) => {
    const image = await buildImage({ layers: files.length ? [base, files] : [base], config });
    const [repository, tag = 'latest'] = name.split(':');
    await pushImage(image, { registry: target.host, repository, tag, auth: target.auth });
    return `${target.host}/${repository}:${tag}`;
  };
  const sandboxImage = await push('skiff/pause:1', { Entrypoint: ['/bin/busybox', 'sleep', '2147483647'] });
  const podCidr = freeTestSubnet();
  const bridge = `sktest${process.pid % 10000}${++counter}`.slice(0, 15);
  let containerd: ContainerdHandle;
  try {
    containerd = await startContainerd({ dir: join(dir, 'containerd'), sandboxImage, network: { name: `skiff-${bridge}`, bridge, subnet: podCidr } });
  } catch (err) {
    await registry.stop();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    endpoint: containerd.endpoint,
    registry,
    podCidr,
    bridge,
    containerd,
    push,
    close: async () => {
      await containerd.stop({ removePods: true });
      await registry.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
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
