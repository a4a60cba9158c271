import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { signalQuietly } from './procfs.js';

export const CGROUP_V1_MEMORY = '/sys/fs/cgroup/memory';

/**
 * Memory cgroups (v1) for containers: one per container run under `<root>/skiff/<node>`, with
 * `resources.limits.memory` as its limit. The kernel's OOM killer then acts on the container
 * alone, and the cgroup counts its OOM kills, which is how an exit becomes `OOMKilled`.
 */
export class MemoryCgroups {
  private constructor(readonly scope: string) {}

  /** The node's cgroup scope, if the memory controller is mounted and writable here. */
  static open(nodeName: string, root = CGROUP_V1_MEMORY): MemoryCgroups | undefined {
    if (!existsSync(join(root, 'cgroup.procs'))) return undefined;
    const scope = join(root, 'skiff', nodeName.replace(/[^A-Za-z0-9._-]/g, '_'));
    try {
      mkdirSync(scope, { recursive: true });
      const probe = join(scope, `probe-${process.pid}`);
      mkdirSync(probe, { recursive: true });
      writeFileSync(join(probe, 'memory.limit_in_bytes'), String(64 * 2 ** 20));
      rmdirSync(probe);
      return new MemoryCgroups(scope);
    } catch {
      return undefined;
    }
  }

  /** Creates the cgroup for one container run and sets its limit. */
  create(name: string, limitBytes?: number): string {
    const dir = join(this.scope, name);
    mkdirSync(dir, { recursive: true });
    if (limitBytes !== undefined && limitBytes > 0) {
      writeFileSync(join(dir, 'memory.limit_in_bytes'), String(Math.floor(limitBytes)));
      // Without this the limit only bounds RAM and a host with swap would swap instead of OOM-killing.
      const memsw = join(dir, 'memory.memsw.limit_in_bytes');
      if (existsSync(memsw)) {
        try {
          writeFileSync(memsw, String(Math.floor(limitBytes)));
        } catch {
          // swap accounting may be compiled in but disabled
        }
      }
    }
    return dir;
  }

  static procsFile(dir: string): string {
    return join(dir, 'cgroup.procs');
  }

  static pids(dir: string): number[] {
    try {
      return readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
    } catch {
      return [];
    }
  }

  /** Whether the kernel OOM-killed a process of this cgroup. */
  static oomKilled(dir: string): boolean {
    try {
      const m = /^oom_kill (\d+)$/m.exec(readFileSync(join(dir, 'memory.oom_control'), 'utf8'));
      if (m) return Number(m[1]) > 0;
      return Number(readFileSync(join(dir, 'memory.failcnt'), 'utf8')) > 0;
    } catch {
      return false;
    }
  }

  static killAll(dir: string, sig: NodeJS.Signals = 'SIGKILL'): number {
    const pids = MemoryCgroups.pids(dir);
    for (const pid of pids) signalQuietly(pid, sig);
    return pids.length;
  }

  /**
   * Removes every empty container cgroup of the node (and the node's scope when `all`). Safe to
   * call at any time: the kernel refuses to remove a cgroup that still has processes.
   */
  sweep(all = false): void {
    let names: string[] = [];
    try {
      names = readdirSync(this.scope, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    } catch {
      return;
    }
    for (const name of names) MemoryCgroups.remove(join(this.scope, name));
    if (all) MemoryCgroups.remove(this.scope);
  }

  /** Removes the cgroup once it is empty; false while processes (or their zombies) remain. */
  static remove(dir: string): boolean {
    try {
      if (existsSync(dir)) rmdirSync(dir);
      return true;
    } catch {
      return false;
    }
  }
}
