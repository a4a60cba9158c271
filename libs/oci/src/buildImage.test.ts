import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { buildImage } from './buildImage.js';
import { OCI_CONFIG_MEDIA_TYPE, OCI_LAYER_MEDIA_TYPE, OCI_MANIFEST_MEDIA_TYPE } from './mediaTypes.js';
import { sha256Digest } from './sha256Digest.js';
import type { LayerEntry } from './types.js';

const appLayer: LayerEntry[] = [
  { path: '/app/server.sh', type: 'file', content: '#!/bin/sh\necho hi\n', mode: 0o755 },
  { path: '/app/data', type: 'dir', uid: 65534, gid: 65534 },
  { path: '/app/current', type: 'symlink', linkTarget: 'server.sh' },
];

describe('buildImage', () => {
  it('gives the same bytes for the same input, whatever the entry and label order', async () => {
    const a = await buildImage({ layers: [appLayer], config: { Labels: { a: '1', b: '2' } } });
    const b = await buildImage({ layers: [[...appLayer].reverse()], config: { Labels: { b: '2', a: '1' } } });
    expect(b.manifestDigest).toBe(a.manifestDigest);
    expect(b.manifest).toEqual(a.manifest);
    expect(b.layers[0].data).toEqual(a.layers[0].data);
  });

  it('gives each blob the digest of its bytes and each layer the digest of its uncompressed tar', async () => {
    const image = await buildImage({ layers: [appLayer, [{ path: '/etc/motd', type: 'file', content: 'hello' }]] });
    expect(image.manifestDigest).toBe(sha256Digest(image.manifest));
    expect(image.configDigest).toBe(sha256Digest(image.config));
    for (const layer of image.layers) {
      expect(layer.digest).toBe(sha256Digest(layer.data));
      expect(layer.diffId).toBe(sha256Digest(gunzipSync(layer.data)));
      expect(layer.size).toBe(layer.data.length);
    }
  });

  it('writes an OCI manifest that points at the config and the layers in order', async () => {
    const image = await buildImage({ layers: [appLayer, []] });
    expect(JSON.parse(image.manifest.toString())).toEqual({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST_MEDIA_TYPE,
      config: { mediaType: OCI_CONFIG_MEDIA_TYPE, digest: image.configDigest, size: image.config.length },
      layers: image.layers.map((layer) => ({ mediaType: OCI_LAYER_MEDIA_TYPE, digest: layer.digest, size: layer.size })),
    });
  });

  it('writes the run config, platform and diffIDs into the image configuration', async () => {
    const image = await buildImage({
      layers: [appLayer],
      config: {
        Entrypoint: ['/app/server.sh'],
        Cmd: ['--port', '8080'],
        Env: ['PATH=/bin', 'MODE=test'],
        WorkingDir: '/app',
        User: '65534:65534',
        ExposedPorts: { '8080/tcp': {} },
        StopSignal: 'SIGINT',
        Labels: { 'org.opencontainers.image.title': 'app' },
      },
    });
    const config = JSON.parse(image.config.toString());
    expect(config).toMatchObject({
      architecture: 'amd64',
      os: 'linux',
      config: {
        Entrypoint: ['/app/server.sh'],
        Cmd: ['--port', '8080'],
        Env: ['PATH=/bin', 'MODE=test'],
        WorkingDir: '/app',
        User: '65534:65534',
        ExposedPorts: { '8080/tcp': {} },
        StopSignal: 'SIGINT',
        Labels: { 'org.opencontainers.image.title': 'app' },
      },
      rootfs: { type: 'layers', diff_ids: [image.layers[0].diffId] },
    });
    expect(config.history).toHaveLength(1);
  });

  it('changes the image digest when a single file byte changes', async () => {
    const a = await buildImage({ layers: [[{ path: '/f', type: 'file', content: 'a' }]] });
    const b = await buildImage({ layers: [[{ path: '/f', type: 'file', content: 'b' }]] });
    expect(b.layers[0].diffId).not.toBe(a.layers[0].diffId);
    expect(b.manifestDigest).not.toBe(a.manifestDigest);
  });
});
