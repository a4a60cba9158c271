import { buildLayer } from './buildLayer.js';
import { imageConfig } from './imageConfig.js';
import { imageManifest } from './imageManifest.js';
import { sha256Digest } from './sha256Digest.js';
import type { BuildImageInput, BuiltImage } from './types.js';

/**
 * Builds an OCI image in memory from file entries. Deterministic: the same input gives the same
 * bytes and digests (fixed mtimes and owners, sorted entries, compact JSON in a fixed key order),
 * so rebuilding an unchanged image pushes nothing new.
 */
export async function buildImage({ layers, config, platform }: BuildImageInput): Promise<BuiltImage> {
  const builtLayers = await Promise.all(layers.map((entries) => buildLayer(entries)));
  const configBytes = Buffer.from(
    JSON.stringify(
      imageConfig(
        builtLayers.map((layer) => layer.diffId),
        config,
        platform,
      ),
    ),
  );
  const configDigest = sha256Digest(configBytes);
  const manifest = Buffer.from(JSON.stringify(imageManifest({ digest: configDigest, size: configBytes.length }, builtLayers)));
  return { manifest, manifestDigest: sha256Digest(manifest), config: configBytes, configDigest, layers: builtLayers };
}
