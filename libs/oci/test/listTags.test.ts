import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, listTags, pushImage, RegistryError, startRegistry, type BuiltImage, type RunningRegistry } from '../src/index.js';
import { startBearerTokenProxy } from './bearerTokenProxy.js';
import { makeTempDir } from './tempDir.js';

const auth = { username: 'skiff', password: 'correct horse' };

describe('listTags against a real registry', () => {
  let image: BuiltImage;
  const dirs: { remove(): Promise<void> }[] = [];
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    image = await buildImage({ layers: [[{ path: '/hello.txt', type: 'file', content: 'hello\n' }]], config: { Cmd: ['/hello'] } });
  });
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    for (const dir of dirs) await dir.remove();
  });

  async function registry(withAuth: boolean): Promise<RunningRegistry> {
    const dir = await makeTempDir('tags');
    dirs.push(dir);
    const r = await startRegistry({ dir: dir.path, ...(withAuth ? { auth } : {}) });
    stops.push(r.stop);
    return r;
  }

  it('lists every tag, following the Link header page by page', async () => {
    const r = await registry(false);
    const pushed = ['1.0.0', '1.0.1', '1.1.0', '2.0.0', 'latest'];
    for (const tag of pushed) await pushImage(image, { registry: r.host, repository: 'team/hello', tag });
    expect((await listTags({ registry: r.host, repository: 'team/hello', pageSize: 2 })).sort()).toEqual(pushed);
    expect((await listTags({ registry: r.host, repository: 'team/hello' })).sort()).toEqual(pushed);
  });

  it('answers a repository the registry does not have with a 404 RegistryError', async () => {
    const r = await registry(false);
    const error = await listTags({ registry: r.host, repository: 'missing' }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).status).toBe(404);
  });

  it('answers a Basic challenge with the credentials, and is refused without them', async () => {
    const r = await registry(true);
    await pushImage(image, { registry: r.host, repository: 'hello', tag: '1.0.0', auth });
    expect(await listTags({ registry: r.host, repository: 'hello', auth })).toEqual(['1.0.0']);
    const error = await listTags({ registry: r.host, repository: 'hello' }).catch((err: unknown) => err);
    expect((error as RegistryError).status).toBe(401);
  });

  it('gets a Bearer token from the realm the challenge names', async () => {
    const r = await registry(false);
    await pushImage(image, { registry: r.host, repository: 'hello', tag: '3.1.4' });
    const proxy = await startBearerTokenProxy({ upstream: r.url, ...auth });
    stops.push(proxy.stop);
    expect(await listTags({ registry: proxy.host, repository: 'hello', auth })).toEqual(['3.1.4']);
    const error = await listTags({ registry: proxy.host, repository: 'hello', auth: { ...auth, password: 'wrong' } }).catch((err: unknown) => err);
    expect((error as RegistryError).status).toBe(401);
  });
});
