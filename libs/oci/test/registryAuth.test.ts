import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildImage, pushImage, RegistryError, startRegistry, type BuiltImage, type RunningRegistry } from '../src/index.js';
import { startBearerTokenProxy } from './bearerTokenProxy.js';
import { getFromRegistry } from './registryHttp.js';
import { makeTempDir } from './tempDir.js';

const auth = { username: 'skiff', password: 'correct horse' };

async function pushError(promise: Promise<unknown>): Promise<RegistryError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(RegistryError);
  return error as RegistryError;
}

describe('pushing to registries that require credentials', () => {
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

  async function registryWithAuth(): Promise<RunningRegistry> {
    const dir = await makeTempDir('auth');
    dirs.push(dir);
    const registry = await startRegistry({ dir: dir.path, auth });
    stops.push(registry.stop);
    return registry;
  }

  describe('basic auth (htpasswd)', () => {
    let registry: RunningRegistry;
    beforeAll(async () => {
      registry = await registryWithAuth();
    });

    it('refuses a push without credentials with 401', async () => {
      const error = await pushError(pushImage(image, { registry: registry.host, repository: 'hello', tag: '1' }));
      expect(error.status).toBe(401);
      expect(error.message).toMatch(/^HEAD http:\/\/127\.0\.0\.1:\d+\/v2\/hello\/blobs\/sha256:[0-9a-f]{64}: 401 Unauthorized$/);
    });

    it('refuses a wrong password with 401', async () => {
      const error = await pushError(pushImage(image, { registry: registry.host, repository: 'hello', tag: '1', auth: { ...auth, password: 'wrong' } }));
      expect(error.status).toBe(401);
    });

    it('accepts the push with the credentials', async () => {
      const digest = await pushImage(image, { registry: registry.host, repository: 'hello', tag: '1', auth });
      const basic = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
      expect((await getFromRegistry(`${registry.url}/v2/hello/manifests/1`)).status).toBe(401);
      const stored = await getFromRegistry(`${registry.url}/v2/hello/manifests/1`, { authorization: basic });
      expect(stored.status).toBe(200);
      expect(stored.headers.get('docker-content-digest')).toBe(digest);
    });
  });

  describe('bearer token flow', () => {
    let upstream: RunningRegistry;
    let proxyHost: string;
    beforeAll(async () => {
      const dir = await makeTempDir('bearer');
      dirs.push(dir);
      upstream = await startRegistry({ dir: dir.path });
      stops.push(upstream.stop);
      const proxy = await startBearerTokenProxy({ upstream: upstream.url, ...auth });
      stops.push(proxy.stop);
      proxyHost = proxy.host;
    });

    it('fetches a token with the credentials and pushes with it', async () => {
      const digest = await pushImage(image, { registry: proxyHost, repository: 'hello', tag: '1', auth });
      const stored = await getFromRegistry(`${upstream.url}/v2/hello/manifests/1`);
      expect(stored.headers.get('docker-content-digest')).toBe(digest);
    });

    it('reports the token endpoint refusing bad credentials', async () => {
      const error = await pushError(pushImage(image, { registry: proxyHost, repository: 'hello', tag: '2', auth: { ...auth, password: 'wrong' } }));
      expect(error.status).toBe(401);
      expect(error.url).toMatch(/\/token\?/);
      expect(error.errors.map((e) => e.message)).toEqual(['bad credentials']);
    });
  });
});
