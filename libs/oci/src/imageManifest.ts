import { OCI_CONFIG_MEDIA_TYPE, OCI_LAYER_MEDIA_TYPE, OCI_MANIFEST_MEDIA_TYPE } from './mediaTypes.js';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
}

export interface ImageManifestDocument {
  schemaVersion: 2;
  mediaType: typeof OCI_MANIFEST_MEDIA_TYPE;
  config: Descriptor;
  layers: Descriptor[];
}

/**
 * The OCI manifest. `mediaType` is optional in the spec but registries and clients that also speak
 * Docker's schema 2 use it to pick a parser without guessing from the shape.
 */
export function imageManifest(
  config: { digest: string; size: number },
  layers: readonly { digest: string; size: number }[],
): ImageManifestDocument {
  return {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST_MEDIA_TYPE,
    config: { mediaType: OCI_CONFIG_MEDIA_TYPE, digest: config.digest, size: config.size },
    layers: layers.map((layer) => ({ mediaType: OCI_LAYER_MEDIA_TYPE, digest: layer.digest, size: layer.size })),
  };
}
