import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, busyboxLayer, pushImage, startRegistry, type RunningRegistry } from '../src/index.js';
import { makeTempDir } from './tempDir.js';

const execFileAsync = promisify(execFile);

function onPath(command: string): boolean {
  try {
    execFileSync(command, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// skopeo is containers/image, the library CRI-O and Podman pull with: if it reads the image, a
// runtime can.
describe.runIf(onPath('skopeo'))('skopeo reads pushed images', () => {
  let registry: RunningRegistry;
  let removeDir: () => Promise<void>;
  let digest: string;

  beforeAll(async () => {
    const dir = await makeTempDir('skopeo');
    removeDir = dir.remove;
    registry = await startRegistry({ dir: dir.path });
    const image = await buildImage({
      layers: [await busyboxLayer()],
      config: { Entrypoint: ['/bin/sh', '-c', 'echo hello'], Env: ['PATH=/bin'], Labels: { app: 'hello' } },
    });
    digest = await pushImage(image, { registry: registry.host, repository: 'hello', tag: '1' });
  });
  afterAll(async () => {
    await registry?.stop();
    await removeDir?.();
  });

  it('shows the entrypoint, digest and platform', async () => {
    const { stdout } = await execFileAsync('skopeo', ['inspect', '--tls-verify=false', `docker://${registry.host}/hello:1`]);
    const inspected = JSON.parse(stdout) as { Digest: string; Architecture: string; Os: string; Labels: Record<string, string>; Layers: string[] };
    expect(inspected).toMatchObject({ Digest: digest, Architecture: 'amd64', Os: 'linux', Labels: { app: 'hello' } });
    expect(inspected.Layers).toHaveLength(1);

    const { stdout: config } = await execFileAsync('skopeo', ['inspect', '--config', '--tls-verify=false', `docker://${registry.host}/hello:1`]);
    expect(JSON.parse(config).config.Entrypoint).toEqual(['/bin/sh', '-c', 'echo hello']);
  });
});
