import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { elfLinkage } from './elfLinkage.js';
import { HostToolError } from './hostToolError.js';
import type { LayerEntry } from './types.js';

const execFileAsync = promisify(execFile);

/** Where Debian's busybox-static puts the binary; /bin is checked too for systems without merged /usr. */
export const BUSYBOX_CANDIDATES = ['/usr/bin/busybox', '/bin/busybox'];

const PASSWD = ['root:x:0:0:root:/root:/bin/sh', 'nobody:x:65534:65534:nobody:/nonexistent:/bin/false', ''].join('\n');
const GROUP = ['root:x:0:', 'nobody:x:65534:', ''].join('\n');

/**
 * A minimal userland for a base layer: the host's static busybox as /bin/busybox, a /bin symlink
 * per applet, users root and nobody, and the directories runtimes mount over (/proc, /sys, /dev).
 * Put `PATH=/bin` (or a usual PATH, which includes /bin) in the image's Env.
 *
 * The binary must be statically linked because the image has no shared libraries; the result is
 * as deterministic as the host's busybox (same machine and package version, same layer digest).
 */
export async function busyboxLayer(options: { busyboxPath?: string } = {}): Promise<LayerEntry[]> {
  const { path, binary } = await readBusybox(options.busyboxPath);
  if (elfLinkage(binary) !== 'static') {
    throw new HostToolError('busybox', 'busybox-static', `${path} is not a statically linked executable, so it cannot run in an image without libraries`);
  }
  const applets = await listApplets(path);

  return [
    { path: '/bin', type: 'dir' },
    { path: '/bin/busybox', type: 'file', content: binary, mode: 0o755 },
    // Relative targets so the links resolve inside the container's root, whatever it is mounted at.
    ...applets.map((applet): LayerEntry => ({ path: `/bin/${applet}`, type: 'symlink', linkTarget: 'busybox' })),
    { path: '/etc', type: 'dir' },
    { path: '/etc/passwd', type: 'file', content: PASSWD },
    { path: '/etc/group', type: 'file', content: GROUP },
    { path: '/tmp', type: 'dir', mode: 0o1777 },
    { path: '/root', type: 'dir', mode: 0o700 },
    { path: '/proc', type: 'dir' },
    { path: '/sys', type: 'dir' },
    { path: '/dev', type: 'dir' },
  ];
}

async function readBusybox(explicitPath: string | undefined): Promise<{ path: string; binary: Buffer }> {
  const candidates = explicitPath === undefined ? BUSYBOX_CANDIDATES : [explicitPath];
  for (const path of candidates) {
    try {
      return { path, binary: await readFile(path) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  throw new HostToolError('busybox', 'busybox-static', `no busybox found at ${candidates.join(' or ')}`);
}

async function listApplets(path: string): Promise<string[]> {
  const { stdout } = await execFileAsync(path, ['--list']);
  // "busybox" itself is listed on some builds; it is the file the links point at.
  return stdout.split('\n').filter((name) => name !== '' && name !== 'busybox' && !name.includes('/'));
}
