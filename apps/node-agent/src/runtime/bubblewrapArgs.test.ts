import { describe, expect, it } from 'vitest';
import { bubblewrapArgs, sandboxHostname, type EntryKind, type HostFs } from './bubblewrapArgs.js';

/** A host with /usr, /etc (holding passwd and nginx/), /bin -> usr/bin, /proc, /dev, /tmp. */
function fakeHost(): HostFs {
  const tree: Record<string, { kind: EntryKind; target?: string }> = {
    '/usr': { kind: 'dir' },
    '/etc': { kind: 'dir' },
    '/etc/passwd': { kind: 'file' },
    '/etc/nginx': { kind: 'dir' },
    '/bin': { kind: 'symlink', target: 'usr/bin' },
    '/proc': { kind: 'dir' },
    '/dev': { kind: 'dir' },
    '/tmp': { kind: 'dir' },
    '/srv': { kind: 'dir' },
  };
  return {
    kind: (p) => tree[p]?.kind ?? 'none',
    list: (dir) =>
      Object.entries(tree)
        .filter(([p]) => p !== dir && p.startsWith(dir === '/' ? '/' : `${dir}/`) && !p.slice(dir === '/' ? 1 : dir.length + 1).includes('/'))
        .map(([p, e]) => ({ name: p.slice(p.lastIndexOf('/') + 1), ...e })),
  };
}

function pairs(args: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (['--ro-bind', '--bind', '--symlink'].includes(a)) out.push(`${a} ${args[++i]} ${args[++i]}`);
    else if (['--tmpfs', '--remount-ro', '--proc', '--dev', '--hostname', '--chdir', '--json-status-fd'].includes(a)) out.push(`${a} ${args[++i]}`);
    else out.push(a);
  }
  return out;
}

describe('bubblewrapArgs', () => {
  it('binds the host read-only entry by entry, with private /proc, /dev and /tmp and the pod hostname', () => {
    const a = pairs(bubblewrapArgs({ hostname: 'web-1', mounts: [], statusFd: 3 }, fakeHost()));
    expect(a).toEqual([
      '--ro-bind /usr /usr',
      '--ro-bind /etc /etc',
      '--symlink usr/bin /bin',
      '--ro-bind /srv /srv',
      '--proc /proc',
      '--dev /dev',
      '--tmpfs /tmp',
      '--remount-ro /',
      '--unshare-pid',
      '--unshare-ipc',
      '--unshare-uts',
      '--hostname web-1',
      '--new-session',
      '--chdir /',
      '--json-status-fd 3',
    ]);
  });

  it.each([
    ['a new top-level path is created in the sandbox root', '/data', ['--bind /vol /data']],
    ['an existing directory is bound over', '/srv', ['--bind /vol /srv']],
    ['a new path inside a host directory explodes that directory', '/etc/myconf', ['--tmpfs /etc', '--ro-bind /etc/passwd /etc/passwd', '--ro-bind /etc/nginx /etc/nginx', '--bind /vol /etc/myconf', '--remount-ro /etc']],
    ['a deep new path explodes the closest existing ancestor', '/etc/nginx/conf.d/x', ['--tmpfs /etc/nginx', '--bind /vol /etc/nginx/conf.d/x', '--remount-ro /etc/nginx']],
    ['under /tmp nothing needs exploding', '/tmp/cache', ['--bind /vol /tmp/cache']],
  ])('%s (%s)', (_n, path, expected) => {
    const a = pairs(bubblewrapArgs({ hostname: 'h', mounts: [{ hostPath: '/vol', containerPath: path, readOnly: false }] }, fakeHost()));
    const start = a.indexOf('--tmpfs /tmp') + 1;
    const end = a.lastIndexOf('--remount-ro /');
    expect(a.slice(start, end)).toEqual(expected);
  });

  it('explodes directories before binding anything, so a later tmpfs hides no earlier mount', () => {
    const a = pairs(
      bubblewrapArgs(
        {
          hostname: 'h',
          mounts: [
            { hostPath: '/hosts', containerPath: '/etc/passwd', readOnly: true },
            { hostPath: '/cfg', containerPath: '/etc/app/config', readOnly: true },
          ],
        },
        fakeHost(),
      ),
    );
    const tmpfs = a.indexOf('--tmpfs /etc');
    expect(tmpfs).toBeGreaterThan(-1);
    expect(a.indexOf('--ro-bind /hosts /etc/passwd')).toBeGreaterThan(tmpfs);
    expect(a.indexOf('--ro-bind /cfg /etc/app/config')).toBeGreaterThan(tmpfs);
  });

  it('mounts parents before children and never over /proc or /dev', () => {
    const a = pairs(
      bubblewrapArgs(
        {
          hostname: 'h',
          mounts: [
            { hostPath: '/b', containerPath: '/data/sub', readOnly: true },
            { hostPath: '/a', containerPath: '/data', readOnly: false },
            { hostPath: '/c', containerPath: '/proc/x', readOnly: false },
          ],
        },
        fakeHost(),
      ),
    );
    expect(a.filter((x) => x.startsWith('--bind') || x.startsWith('--ro-bind /b'))).toEqual(['--bind /a /data', '--ro-bind /b /data/sub']);
  });

  it.each([
    ['web-7d4b9c', 'web-7d4b9c'],
    ['a'.repeat(70), 'a'.repeat(63)],
    [`${'a'.repeat(62)}-x`, 'a'.repeat(62)],
  ])('hostname of %s', (name, host) => {
    expect(sandboxHostname(name)).toBe(host);
  });

  it('makes a missing mount point where a linked directory leads: the token volume under /var/run goes to /run', () => {
    const host = fakeHost();
    const tree: Record<string, EntryKind> = { '/var': 'dir', '/var/run': 'symlink', '/run': 'dir', '/run/lock': 'dir' };
    const linked: HostFs = {
      kind: (p) => tree[p] ?? (p.startsWith('/var/run/') ? 'none' : host.kind(p)),
      list: (dir) => (dir === '/run' ? [{ name: 'lock', kind: 'dir' }] : host.list(dir)),
      resolve: (p) => p.replace(/^\/var\/run\//, '/run/'),
    };
    const a = pairs(bubblewrapArgs({ hostname: 'p', mounts: [{ hostPath: '/pods/p/volumes/kube-api-access-abcde', containerPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }] }, linked));
    expect(a).toContain('--tmpfs /run');
    expect(a).toContain('--ro-bind /run/lock /run/lock');
    expect(a).toContain('--ro-bind /pods/p/volumes/kube-api-access-abcde /run/secrets/kubernetes.io/serviceaccount');
    expect(a.indexOf('--tmpfs /run')).toBeLessThan(a.indexOf('--ro-bind /pods/p/volumes/kube-api-access-abcde /run/secrets/kubernetes.io/serviceaccount'));
    expect(a).toContain('--remount-ro /run');
  });
});
