import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bridgeConflist } from './cniConfig.js';
import { CriClient } from './criClient.js';
import { containerdConfigToml, containerdPaths, type ContainerdPaths } from './containerdConfig.js';

const CNI_BIN_DIRS = ['/usr/lib/cni', '/opt/cni/bin'];

export interface ContainerdToolCheck {
  ok: boolean;
  /** What is missing and how to get it, when not ok. */
  reason?: string;
  containerd?: string;
  cniBinDir?: string;
}

function onPath(cmd: string): string | undefined {
  const res = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return res.status === 0 ? res.stdout.trim() : undefined;
}

/**
 * Whether this machine can run containers the way Skiff does: root (the runtime creates
 * namespaces, cgroups, bridges), containerd and runc, and the CNI reference plugins.
 */
export function checkContainerdTools(): ContainerdToolCheck {
  const missing: string[] = [];
  const containerd = onPath('containerd');
  if (!containerd) missing.push('containerd');
  if (!onPath('runc')) missing.push('runc');
  const cniBinDir = CNI_BIN_DIRS.find((d) => existsSync(join(d, 'bridge')) && existsSync(join(d, 'host-local')));
  if (!cniBinDir) missing.push('containernetworking-plugins');
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return { ok: false, reason: 'containers need root (network namespaces, cgroups and bridges are created for each pod)' };
  }
  if (missing.length) return { ok: false, reason: `missing ${missing.join(', ')}: apt-get install ${missing.join(' ')}` };
  return { ok: true, containerd, cniBinDir };
}

export interface StartContainerdOptions {
  /** Everything of this containerd lives here (root, state, socket, CNI config, logs). */
  dir: string;
  /** The pod sandbox image. */
  sandboxImage: string;
  /** The node's pod network. */
  network: { name: string; bridge: string; subnet: string };
  /** How long to wait for the socket to answer (default 30 s). */
  startTimeoutMs?: number;
  /**
   * Registry names served from elsewhere: `{ 'registry.skiff.local': 'http://127.0.0.1:5000' }`
   * makes `registry.skiff.local/app:1` pull from the local registry (a hosts.toml in certs.d).
   */
  registryMirrors?: Record<string, string>;
}

export interface ContainerdHandle {
  /** `unix://...`: the CRI endpoint for the node agent. */
  endpoint: string;
  pid: number;
  paths: ContainerdPaths;
  bridge: string;
  /** Settles when the process exits. */
  exited: Promise<number | null>;
  /**
   * Stops containerd. With `removePods`, every pod sandbox goes first (its containers, network
   * namespace and veth), then the node's bridge: nothing of this node is left on the host.
   */
  stop(opts?: { removePods?: boolean }): Promise<void>;
}

/** containerd's hosts.toml sending every pull for a registry name to `url` (plain HTTP allowed). */
export function registryHostsToml(url: string): string {
  return [`server = ${JSON.stringify(url)}`, '', `[host.${JSON.stringify(url)}]`, '  capabilities = ["pull", "resolve"]', '  skip_verify = true', ''].join('\n');
}

function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** Removes every pod sandbox the runtime at `endpoint` holds (containers, network namespaces, veths). */
export async function removeAllPodSandboxes(endpoint: string): Promise<void> {
  const cri = new CriClient({ endpoint, timeoutMs: 60_000 });
  try {
    for (const sb of await cri.listPodSandbox()) {
      await cri.stopPodSandbox(sb.id).catch(() => {});
      await cri.removePodSandbox(sb.id).catch(() => {});
    }
  } finally {
    cri.close();
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A containerd an earlier run left behind in this directory (its parent was killed before it
 * could stop it): its pods are removed through its own socket, then it is stopped, so nothing of
 * the earlier run stays on the machine.
 */
async function stopLeftover(paths: ContainerdPaths): Promise<void> {
  let pid: number;
  try {
    pid = Number(readFileSync(paths.pidFile, 'utf8').trim());
  } catch {
    return;
  }
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    /* gone */
  }
  if (!pid || !cmdline.includes(paths.config)) return;
  await removeAllPodSandboxes(`unix://${paths.socket}`).catch(() => {});
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
}

/** Starts a private containerd with the CRI plugin and this node's CNI network. */
export async function startContainerd(opts: StartContainerdOptions): Promise<ContainerdHandle> {
  const tools = checkContainerdTools();
  if (!tools.ok) throw new Error(`cannot run containers: ${tools.reason}`);
  const paths = containerdPaths(opts.dir);
  await stopLeftover(paths);
  for (const d of [paths.dir, paths.root, paths.state, paths.cniConfDir, paths.ipamDataDir, paths.registryConfigDir]) mkdirSync(d, { recursive: true, mode: 0o700 });
  writeFileSync(paths.config, containerdConfigToml({ paths, sandboxImage: opts.sandboxImage, cniBinDir: tools.cniBinDir! }), { mode: 0o600 });
  writeFileSync(join(paths.cniConfDir, '10-skiff.conflist'), bridgeConflist({ ...opts.network, ipamDataDir: paths.ipamDataDir }));
  for (const [name, url] of Object.entries(opts.registryMirrors ?? {})) {
    mkdirSync(join(paths.registryConfigDir, name), { recursive: true });
    writeFileSync(join(paths.registryConfigDir, name, 'hosts.toml'), registryHostsToml(url));
  }

  const logFd = openSync(paths.log, 'a', 0o600);
  const child = spawn(tools.containerd!, ['--config', paths.config], { stdio: ['ignore', logFd, logFd], detached: true });
  closeSync(logFd);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  writeFileSync(paths.pidFile, `${child.pid}\n`);
  const endpoint = `unix://${paths.socket}`;

  const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000);
  const cri = new CriClient({ endpoint, timeoutMs: 2000 });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`containerd exited with code ${child.exitCode} at start:\n${tail(paths.log)}`);
      try {
        const st = await cri.status();
        if (st.status?.conditions.every((c) => c.status)) break;
      } catch {
        /* not listening yet */
      }
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`containerd did not answer on ${paths.socket} within ${opts.startTimeoutMs ?? 30_000} ms:\n${tail(paths.log)}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  } finally {
    cri.close();
  }

  let stopping: Promise<void> | undefined;
  return {
    endpoint,
    pid: child.pid!,
    paths,
    bridge: opts.network.bridge,
    exited,
    stop(stopOpts = {}) {
      stopping ??= (async () => {
        if (stopOpts.removePods && child.exitCode === null) await removeAllPodSandboxes(endpoint).catch(() => {});
        child.kill('SIGTERM');
        if (!(await waitExit(child, 10_000))) {
          child.kill('SIGKILL');
          await waitExit(child, 5_000);
        }
        rmSync(paths.pidFile, { force: true });
        if (stopOpts.removePods) spawnSync('ip', ['link', 'del', opts.network.bridge], { stdio: 'ignore' });
      })();
      return stopping;
    },
  };
}
