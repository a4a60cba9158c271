import { existsSync, mkdirSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Pod-level cgroups for container pods (cgroup v1, cgroupfs), as the kubelet's `--cgroup-root`
 * and `--pod-max-pids` make them: every container of a pod runs under `<root>/pod<uid>`, and the
 * pids controller caps the processes the whole pod may have, so a fork bomb in one pod cannot
 * take the machine's process table.
 */
const CGROUP_FS = '/sys/fs/cgroup';

export function podCgroupParent(root: string, podUid: string): string {
  return `${root.replace(/\/+$/, '')}/pod${podUid}`;
}

/** Creates the pod's pids cgroup with its limit before the runtime puts the sandbox in it. */
export function limitPodPids(parent: string, maxPids: number, fsRoot = CGROUP_FS): void {
  const dir = join(fsRoot, 'pids', parent);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'pids.max'), `${maxPids}\n`);
}

/** Removes a cgroup tree (deepest first) in every hierarchy; cgroups can only be rmdir'ed, and only when empty. */
export function removeCgroupTree(path: string, fsRoot = CGROUP_FS): void {
  let hierarchies: string[];
  try {
    hierarchies = readdirSync(fsRoot);
  } catch {
    return;
  }
  const remove = (dir: string) => {
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) if (entry.isDirectory()) remove(join(dir, entry.name));
    try {
      rmdirSync(dir);
    } catch {
      /* still has processes: the runtime has not finished with it */
    }
  };
  for (const h of hierarchies) remove(join(fsRoot, h, path));
}
