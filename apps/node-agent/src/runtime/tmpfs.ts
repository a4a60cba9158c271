import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseQuantity } from '@skiff/apimachinery';

/**
 * tmpfs for `emptyDir.medium: Memory`, as the kubelet mounts it on the volume's host directory:
 * the container sees memory-backed storage, bounded by sizeLimit when one is given.
 */
export function mountTmpfs(dir: string, sizeLimit: string | undefined): void {
  const size = sizeLimit !== undefined ? `,size=${Math.max(4096, Math.floor(parseQuantity(sizeLimit)))}` : '';
  const res = spawnSync('mount', ['-t', 'tmpfs', '-o', `mode=0777${size}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (res.status !== 0) throw new Error(`mounting a tmpfs for a Memory emptyDir at ${dir}: ${(res.stderr || '').trim()}`);
}

/** The mount points at or under `dir` (from /proc/self/mounts), deepest first. */
export function mountsUnder(dir: string, mountsText = readFileSync('/proc/self/mounts', 'utf8')): string[] {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  return mountsText
    .split('\n')
    .map((line) => line.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((m): m is string => !!m && (m === dir || m.startsWith(prefix)))
    .sort((a, b) => b.length - a.length);
}

/** Unmounts whatever is mounted at or under `dir`, so the directory can be removed. */
export function unmountUnder(dir: string): void {
  let mounts: string[];
  try {
    mounts = mountsUnder(dir);
  } catch {
    return;
  }
  for (const m of mounts) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
}
