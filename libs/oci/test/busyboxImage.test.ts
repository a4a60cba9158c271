import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, busyboxLayer, HostToolError, type BuiltImage } from '../src/index.js';
import { readLayer, type LayerMember } from './readLayer.js';
import { makeTempDir } from './tempDir.js';

const execFileAsync = promisify(execFile);

const config = { Entrypoint: ['/bin/sh', '-c'], Cmd: ['id -un'], Env: ['PATH=/bin'] };

describe('busybox image', () => {
  let image: BuiltImage;
  let members: LayerMember[];
  const temp = makeTempDir('busybox');

  beforeAll(async () => {
    image = await buildImage({ layers: [await busyboxLayer()], config });
    members = await readLayer(image.layers[0].data);
  });
  afterAll(async () => (await temp).remove());

  it('has the same digests when built twice', async () => {
    const again = await buildImage({ layers: [await busyboxLayer()], config });
    expect(again.manifestDigest).toBe(image.manifestDigest);
    expect(again.configDigest).toBe(image.configDigest);
    expect(again.layers.map((l) => l.digest)).toEqual(image.layers.map((l) => l.digest));
  });

  it('holds the static busybox and a /bin link per applet', () => {
    const byName = new Map(members.map((m) => [m.name, m]));
    expect(byName.get('bin/busybox')).toMatchObject({ type: 'file', mode: 0o755, uid: 0, gid: 0 });
    for (const applet of ['sh', 'cat', 'wget', 'httpd', 'nc', 'sleep', 'id', 'ls', 'ip', 'hostname']) {
      expect(byName.get(`bin/${applet}`), applet).toMatchObject({ type: 'symlink', linkname: 'busybox' });
    }
    expect(byName.get('tmp/')).toMatchObject({ type: 'directory', mode: 0o1777 });
    for (const dir of ['root/', 'proc/', 'sys/', 'dev/', 'etc/']) expect(byName.get(dir)?.type, dir).toBe('directory');
    expect(byName.get('etc/passwd')?.content.toString()).toMatch(/^root:x:0:0:.*\nnobody:x:65534:65534:/);
    expect(byName.get('etc/group')?.content.toString()).toMatch(/^root:x:0:\nnobody:x:65534:/);
  });

  it('writes members sorted, with fixed mtimes and root owners', () => {
    const names = members.map((m) => m.name);
    expect(names).toEqual([...names].sort());
    expect(members.filter((m) => m.uid !== 0 || m.gid !== 0 || m.mtime.getTime() !== 0)).toEqual([]);
  });

  // Unpacking with GNU tar and running the entrypoint under chroot shows the layer is a working
  // root file system, not only a well-formed archive. chroot needs root.
  it.runIf(process.getuid?.() === 0)('runs as a root file system', async () => {
    const dir = (await temp).path;
    const layerPath = join(dir, 'layer.tar.gz');
    const root = join(dir, 'root');
    await writeFile(layerPath, image.layers[0].data);
    await execFileAsync('mkdir', [root]);
    await execFileAsync('tar', ['-xzf', layerPath, '-C', root]);
    const script = 'id -un; ls -ld /tmp; echo ok > /tmp/x && cat /tmp/x';
    const { stdout } = await execFileAsync('chroot', [root, '/bin/env', '-i', ...config.Env, ...config.Entrypoint, script]);
    expect(stdout).toMatch(/^root\ndrwxrwxrwt .*\/tmp\nok\n$/);
  });

  it('names the Debian package when busybox is missing or not static', async () => {
    await expect(busyboxLayer({ busyboxPath: '/nonexistent/busybox' })).rejects.toThrow(HostToolError);
    await expect(busyboxLayer({ busyboxPath: '/nonexistent/busybox' })).rejects.toThrow(/busybox-static/);
    await expect(busyboxLayer({ busyboxPath: process.execPath })).rejects.toThrow(/not a statically linked executable.*busybox-static/);
  });
});
