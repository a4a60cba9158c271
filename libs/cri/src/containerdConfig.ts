import { join } from 'node:path';

/** Where one private containerd keeps everything: nothing of it lives outside `dir`. */
export interface ContainerdPaths {
  dir: string;
  root: string;
  state: string;
  socket: string;
  cniConfDir: string;
  /** host-local IPAM's allocations (its default, /var/lib/cni/networks, is shared by every runtime on the host). */
  ipamDataDir: string;
  /** `certs.d`: per-registry hosts.toml files (mirrors, plain-HTTP registries other than localhost). */
  registryConfigDir: string;
  config: string;
  log: string;
  /** The running instance's pid: a later start stops one an earlier run left behind. */
  pidFile: string;
}

export function containerdPaths(dir: string): ContainerdPaths {
  return {
    dir,
    root: join(dir, 'root'),
    state: join(dir, 'state'),
    socket: join(dir, 'containerd.sock'),
    cniConfDir: join(dir, 'net.d'),
    ipamDataDir: join(dir, 'ipam'),
    registryConfigDir: join(dir, 'certs.d'),
    config: join(dir, 'config.toml'),
    log: join(dir, 'containerd.log'),
    pidFile: join(dir, 'containerd.pid'),
  };
}

export interface ContainerdConfigOptions {
  paths: ContainerdPaths;
  /** The pod sandbox ("pause") image every pod's network namespace is held by. */
  sandboxImage: string;
  /** Where the CNI reference plugins are (Debian: /usr/lib/cni). */
  cniBinDir: string;
}

function q(s: string): string {
  return JSON.stringify(s);
}

/**
 * containerd's config (version 2) for a private instance with the CRI plugin on. Two settings
 * differ from containerd's defaults for a reason:
 * - `restrict_oom_score_adj`: the CRI plugin gives the sandbox an oom_score_adj of -998, which a
 *   process may only set when it may lower its own; inside a VM or container sandbox that is
 *   refused and runc fails with "can't get final child's PID from pipe". Restricting clamps it to
 *   containerd's own value.
 * - no TCP streaming server on other interfaces: the stream server listens on 127.0.0.1 only.
 * Plain-HTTP pulls from 127.0.0.1/localhost registries work without any entry (containerd falls
 * back to HTTP for loopback hosts); other insecure registries get a hosts.toml in certs.d.
 */
export function containerdConfigToml(opts: ContainerdConfigOptions): string {
  const p = opts.paths;
  const cri = '[plugins."io.containerd.grpc.v1.cri"]';
  return [
    'version = 2',
    `root = ${q(p.root)}`,
    `state = ${q(p.state)}`,
    '',
    '[grpc]',
    `  address = ${q(p.socket)}`,
    '[ttrpc]',
    `  address = ${q(`${p.socket}.ttrpc`)}`,
    '[debug]',
    '  address = ""',
    '[metrics]',
    '  address = ""',
    '',
    cri,
    `  sandbox_image = ${q(opts.sandboxImage)}`,
    '  restrict_oom_score_adj = true',
    '  stream_server_address = "127.0.0.1"',
    '  stream_server_port = "0"',
    '  enable_unprivileged_ports = false',
    // Pods' network namespaces are mounted under the state dir, not the host's /var/run/netns.
    '  netns_mounts_under_state_dir = true',
    `[plugins."io.containerd.grpc.v1.cri".cni]`,
    `  bin_dir = ${q(opts.cniBinDir)}`,
    `  conf_dir = ${q(p.cniConfDir)}`,
    '  max_conf_num = 1',
    `[plugins."io.containerd.grpc.v1.cri".containerd]`,
    '  default_runtime_name = "runc"',
    '  snapshotter = "overlayfs"',
    `[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]`,
    '  runtime_type = "io.containerd.runc.v2"',
    `[plugins."io.containerd.grpc.v1.cri".registry]`,
    `  config_path = ${q(p.registryConfigDir)}`,
    '',
  ].join('\n');
}
