import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildImage,
  busyboxLayer,
  InvalidImageReferenceError,
  OCI_MANIFEST_MEDIA_TYPE,
  pushImage,
  RegistryError,
  RegistryUnreachableError,
  startRegistry,
  type BuiltImage,
  type RunningRegistry,
} from '../src/index.js';
import { readLayer } from './readLayer.js';
import { getFromRegistry, sha256Of } from './registryHttp.js';
import { makeTempDir } from './tempDir.js';

describe('pushImage to a local registry', () => {
  let registry: RunningRegistry;
  let image: BuiltImage;
  let removeDir: () => Promise<void>;

  beforeAll(async () => {
    const dir = await makeTempDir('push');
    removeDir = dir.remove;
    registry = await startRegistry({ dir: dir.path });
    image = await buildImage({
      layers: [await busyboxLayer(), [{ path: '/www/index.html', type: 'file', content: '<h1>hello</h1>\n' }]],
      config: { Entrypoint: ['/bin/httpd', '-f', '-p', '8080', '-h', '/www'], Env: ['PATH=/bin'], ExposedPorts: { '8080/tcp': {} } },
    });
  });
  afterAll(async () => {
    await registry?.stop();
    await removeDir?.();
  });

  it('stores the manifest under the tag and its digest, and every blob byte for byte', async () => {
    const digest = await pushImage(image, { registry: registry.host, repository: 'hello', tag: '1' });
    expect(digest).toBe(image.manifestDigest);

    const byTag = await getFromRegistry(`${registry.url}/v2/hello/manifests/1`);
    expect(byTag.status).toBe(200);
    expect(byTag.headers.get('content-type')).toBe(OCI_MANIFEST_MEDIA_TYPE);
    expect(byTag.headers.get('docker-content-digest')).toBe(digest);
    expect(sha256Of(byTag.body)).toBe(digest);
    const byDigest = await getFromRegistry(`${registry.url}/v2/hello/manifests/${digest}`);
    expect(byDigest.body).toEqual(byTag.body);

    const manifest = JSON.parse(byTag.body.toString()) as { config: { digest: string }; layers: { digest: string; size: number }[] };
    const config = await getFromRegistry(`${registry.url}/v2/hello/blobs/${manifest.config.digest}`);
    expect(sha256Of(config.body)).toBe(manifest.config.digest);
    expect(JSON.parse(config.body.toString()).config.Entrypoint).toEqual(['/bin/httpd', '-f', '-p', '8080', '-h', '/www']);

    const layers = [];
    for (const descriptor of manifest.layers) {
      const blob = await getFromRegistry(`${registry.url}/v2/hello/blobs/${descriptor.digest}`);
      expect(blob.status).toBe(200);
      expect(sha256Of(blob.body)).toBe(descriptor.digest);
      expect(blob.body.length).toBe(descriptor.size);
      layers.push(await readLayer(blob.body));
    }
    const base = new Map(layers[0].map((m) => [m.name, m]));
    expect(base.get('bin/busybox')?.type).toBe('file');
    expect(base.get('bin/sh')).toMatchObject({ type: 'symlink', linkname: 'busybox' });
    expect(layers[1].map((m) => m.name)).toEqual(['www/', 'www/index.html']);
  });

  it('pushes again and under more tags and repositories, reusing what is stored', async () => {
    await pushImage(image, { registry: registry.host, repository: 'hello', tag: '1' });
    await pushImage(image, { registry: registry.host, repository: 'hello', tag: 'latest' });
    await pushImage(image, { registry: registry.host, repository: 'team/hello', tag: '1' });

    const tags = await getFromRegistry(`${registry.url}/v2/hello/tags/list`);
    const listed = JSON.parse(tags.body.toString()) as { name: string; tags: string[] };
    expect(listed.tags.sort()).toEqual(['1', 'latest']);
    const other = await getFromRegistry(`${registry.url}/v2/team/hello/manifests/1`);
    expect(other.headers.get('docker-content-digest')).toBe(image.manifestDigest);
  });

  it('refuses a repository name the registry would reject before sending anything', async () => {
    await expect(pushImage(image, { registry: registry.host, repository: 'Hello', tag: '1' })).rejects.toThrow(InvalidImageReferenceError);
  });

  it('reports the registry error codes of a refused manifest', async () => {
    const manifest = JSON.parse(image.manifest.toString());
    manifest.layers[0].digest = `sha256:${'0'.repeat(64)}`;
    const broken = { ...image, manifest: Buffer.from(JSON.stringify(manifest)), layers: [] };
    const error = await pushImage(broken, { registry: registry.host, repository: 'hello', tag: 'broken' }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).status).toBe(400);
    expect((error as RegistryError).errors.map((e) => e.code)).toContain('MANIFEST_BLOB_UNKNOWN');
    expect((error as RegistryError).message).toMatch(/^PUT http:\/\/127\.0\.0\.1:\d+\/v2\/hello\/manifests\/broken: 400 MANIFEST_BLOB_UNKNOWN/);
  });

  it('says so when nothing listens at the address', async () => {
    const stopped = await makeTempDir('stopped');
    const gone = await startRegistry({ dir: stopped.path });
    await gone.stop();
    await stopped.remove();
    await expect(pushImage(image, { registry: gone.host, repository: 'hello', tag: '1' })).rejects.toThrow(RegistryUnreachableError);
  });
});
