import { lstatSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';
import { join, posix } from 'node:path';
import type { Mount } from '../pods/podVolumes.js';

/**
 * The bubblewrap command line for one container. Pure, over a view of the host's file system, so
 * the layout is unit-tested.
 *
 * The root is read-only, but it is not `--ro-bind / /`: on a read-only root bubblewrap cannot
 * create the mount point of a volume at a path the host lacks (`/data`, `/etc/myconf`). So the
 * sandbox root is bubblewrap's own tmpfs holding a read-only bind of each top-level host entry,
 * and a host directory that must receive a new mount point is "exploded" the same way (a tmpfs
 * holding binds of its entries). Both are remounted read-only once the mounts are in place.
 * /proc, /dev and /tmp are the sandbox's own.
 */

export type EntryKind = 'dir' | 'file' | 'symlink' | 'none';

export interface HostFs {
  kind(path: string): EntryKind;
  /** Entries of a host directory, with symlink targets. */
  list(dir: string): { name: string; kind: EntryKind; target?: string }[];
  /** `path` with the symlinks of its existing part resolved (`/var/run/x` -> `/run/x` where /var/run links to /run). */
  resolve?(path: string): string;
}

export const nodeHostFs: HostFs = {
  kind(path) {
    try {
      const s = lstatSync(path);
      return s.isSymbolicLink() ? 'symlink' : s.isDirectory() ? 'dir' : 'file';
    } catch {
      return 'none';
    }
  },
  list(dir) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return [];
    }
    return names.map((name) => {
      const path = join(dir, name);
      const kind = nodeHostFs.kind(path);
      return kind === 'symlink' ? { name, kind, target: readlinkSync(path) } : { name, kind };
    });
  },
  resolve(path) {
    const missing: string[] = [];
    for (let existing = path; existing !== '/'; existing = posix.dirname(existing)) {
      try {
        return posix.join(realpathSync(existing), ...missing);
      } catch {
        missing.unshift(posix.basename(existing));
      }
    }
    return path;
  },
};

export interface SandboxSpec {
  hostname: string;
  mounts: Mount[];
  workingDir?: string;
  /** The fd bubblewrap writes its JSON status (child pid, exit code) to. */
  statusFd?: number;
}

/** Paths the sandbox provides itself; volumes may not be mounted there. */
const OWN = new Set(['/proc', '/dev', '/tmp']);

function bindEntries(dir: string, host: HostFs, skip: Set<string>): string[] {
  const args: string[] = [];
  for (const e of host.list(dir)) {
    const path = posix.join(dir, e.name);
    if (skip.has(path)) continue;
    if (e.kind === 'symlink') args.push('--symlink', e.target!, path);
    else if (e.kind === 'dir' || e.kind === 'file') args.push('--ro-bind', path, path);
  }
  return args;
}

/** Where `path` itself is missing on the host: the closest existing ancestor, which must take the new mount point. */
function existingAncestor(path: string, host: HostFs): string {
  let p = posix.dirname(path);
  while (p !== '/' && host.kind(p) === 'none') p = posix.dirname(p);
  return p;
}

function within(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir === '/' ? '/' : `${dir}/`);
}

export function bubblewrapArgs(spec: SandboxSpec, host: HostFs): string[] {
  const args: string[] = [];
  args.push(...bindEntries('/', host, OWN));
  args.push('--proc', '/proc', '--dev', '/dev', '--tmpfs', '/tmp');

  // A mount point that does not exist yet is made where it will really be: the token volume's
  // /var/run/secrets/... goes under /run when /var/run links there (bubblewrap could not create
  // it through the read-only link).
  const mounts = spec.mounts
    .map((m) => (host.resolve && host.kind(m.containerPath) === 'none' ? { ...m, containerPath: host.resolve(m.containerPath) } : m))
    .filter((m) => !within(m.containerPath, '/proc') && !within(m.containerPath, '/dev') && m.containerPath !== '/tmp' && m.containerPath !== '/')
    .sort((a, b) => a.containerPath.split('/').length - b.containerPath.split('/').length);
  // Directories that must take a new mount point are exploded first, all of them, so that no
  // tmpfs laid over a directory later hides a mount made in it before.
  const exploded: string[] = [];
  const mounted: string[] = [];
  for (const m of mounts) {
    const path = m.containerPath;
    const insideMount = mounted.some((d) => within(path, d));
    mounted.push(path);
    if (insideMount || host.kind(path) !== 'none' || within(path, '/tmp')) continue;
    const parent = existingAncestor(path, host);
    if (parent !== '/' && !exploded.includes(parent) && host.kind(parent) === 'dir') exploded.push(parent);
  }
  exploded.sort((a, b) => a.split('/').length - b.split('/').length);
  for (const dir of exploded) args.push('--tmpfs', dir, ...bindEntries(dir, host, new Set()));
  for (const m of mounts) args.push(m.readOnly ? '--ro-bind' : '--bind', m.hostPath, m.containerPath);
  for (const dir of [...exploded].reverse()) args.push('--remount-ro', dir);
  args.push('--remount-ro', '/');

  args.push('--unshare-pid', '--unshare-ipc', '--unshare-uts', '--hostname', spec.hostname, '--new-session');
  args.push('--chdir', spec.workingDir || '/');
  if (spec.statusFd !== undefined) args.push('--json-status-fd', String(spec.statusFd));
  return args;
}

/** A hostname from a pod name: at most 63 characters, not ending in '-' or '.' (as kubelet truncates it). */
export function sandboxHostname(name: string): string {
  return name.slice(0, 63).replace(/[-.]+$/, '') || 'pod';
}

