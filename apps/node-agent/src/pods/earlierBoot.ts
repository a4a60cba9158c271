import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { writeFileAtomic } from '../files.js';
import type { ContainerRuntime, RunningContainer } from '../runtime/runtime.js';
import { readPodRecord } from './podRecord.js';

export const BOOT_ID_FILE = 'boot-id';

export interface EarlierBootOptions {
  dataDir: string;
  podsDir: string;
  /** This boot's id (the Node's nodeInfo.bootID: the kernel's, or one `skiff up` makes per run). */
  bootId: string;
  runtime: ContainerRuntime;
  log: Logger;
  /** The longest the leftovers get between SIGTERM and SIGKILL. */
  graceMs: number;
}

/**
 * A machine that reboots has no containers left; the kubelet notices the new boot id and starts
 * its pods afresh. `skiff up` is this node's machine: when it was killed (SIGKILL to its process
 * group), the pods it started, each in its own session, outlived it. An agent that starts under a
 * new boot id stops every container the pod records of an earlier boot say still runs (SIGTERM,
 * SIGKILL after the grace), so nothing of that run stays on the host; the pod workers then find
 * them ended and start them again if their pods still want them. Under the same boot id (the
 * agent alone was restarted) they are adopted instead. Without `skiff up` the boot id is the
 * kernel's, so this is what a real reboot would have done anyway. Returns how many were stopped.
 */
export async function stopContainersOfEarlierBoot(opts: EarlierBootOptions): Promise<number> {
  const file = join(opts.dataDir, BOOT_ID_FILE);
  const previous = existsSync(file) ? readFileSync(file, 'utf8').trim() : undefined;
  let stopped = 0;
  // No file: written by an agent from before boot ids were kept; its containers are adopted.
  if (previous !== undefined && previous !== opts.bootId && existsSync(opts.podsDir)) {
    const running: { pod: string; container: string; handle: RunningContainer }[] = [];
    for (const name of readdirSync(opts.podsDir)) {
      const record = readPodRecord(join(opts.podsDir, name));
      for (const rec of Object.values(record?.containers ?? {})) {
        const proc = rec.current && !rec.current.terminated ? rec.current.process : undefined;
        if (!proc) continue;
        const adopted = await opts.runtime.adopt(proc);
        if ('signal' in adopted) running.push({ pod: `${record!.namespace}/${record!.name}`, container: rec.name, handle: adopted });
      }
    }
    for (const r of running) {
      opts.log.info({ pod: r.pod, container: r.container, previousBootId: previous }, 'stopping a container left running by an earlier boot of this node');
      r.handle.signal('SIGTERM');
    }
    const killer = setTimeout(() => running.forEach((r) => r.handle.signal('SIGKILL')), opts.graceMs);
    // The runtime notices adopted processes ending on an unref'd timer, and at this point of the
    // agent's start nothing else holds the event loop open: this interval does, until they are gone.
    const hold = setInterval(() => {}, 60_000);
    try {
      await Promise.all(running.map((r) => r.handle.exited));
    } finally {
      clearTimeout(killer);
      clearInterval(hold);
    }
    stopped = running.length;
  }
  writeFileAtomic(file, `${opts.bootId}\n`);
  return stopped;
}
