import { blobUploadUrl } from './blobUploadUrl.js';
import { checkImageReference } from './invalidImageReferenceError.js';
import { OCI_MANIFEST_MEDIA_TYPE } from './mediaTypes.js';
import { registryBaseUrl } from './registryBaseUrl.js';
import { RegistryClient, type RegistryCredentials } from './registryClient.js';
import type { BuiltImage } from './types.js';

export interface PushImageOptions {
  /** `host:port`, e.g. `127.0.0.1:5000`; an explicit `http://` or `https://` prefix is honoured. */
  registry: string;
  /** Repository name, e.g. `hello` or `team/hello`. */
  repository: string;
  tag: string;
  auth?: RegistryCredentials;
  /** Plain HTTP instead of HTTPS. Defaults to true for loopback registries, false otherwise. */
  insecure?: boolean;
  signal?: AbortSignal;
}

/**
 * Pushes an image with the Docker Registry HTTP API v2: blobs the registry lacks (HEAD first), each
 * as one monolithic upload, then the manifest under the tag, which the registry accepts only
 * once every blob it references is there. Returns the manifest digest, the immutable name of
 * what was pushed (`<registry>/<repository>@<digest>`). Throws InvalidImageReferenceError for a
 * name the registry would refuse, RegistryError for any refusal, RegistryUnreachableError when
 * there is no answer.
 */
export async function pushImage(image: BuiltImage, options: PushImageOptions): Promise<string> {
  checkImageReference(options.repository, options.tag);
  const baseUrl = registryBaseUrl(options.registry, options.insecure);
  const client = new RegistryClient(baseUrl, options.repository, options.auth, options.signal);
  const repositoryUrl = `${baseUrl}/v2/${options.repository}`;

  const blobs = new Map<string, Buffer>();
  for (const layer of image.layers) blobs.set(layer.digest, layer.data);
  blobs.set(image.configDigest, image.config);
  for (const [digest, data] of blobs) await pushBlob(client, repositoryUrl, digest, data);

  await client.request('PUT', `${repositoryUrl}/manifests/${encodeURIComponent(options.tag)}`, {
    headers: { 'content-type': OCI_MANIFEST_MEDIA_TYPE },
    body: image.manifest,
    expect: [201],
  });
  return image.manifestDigest;
}

async function pushBlob(client: RegistryClient, repositoryUrl: string, digest: string, data: Buffer): Promise<void> {
  const existing = await client.request('HEAD', `${repositoryUrl}/blobs/${digest}`, { expect: [200, 404] });
  if (existing.status === 200) return;

  const startUrl = `${repositoryUrl}/blobs/uploads/`;
  const started = await client.request('POST', startUrl, { expect: [202] });
  const location = started.headers.get('location');
  if (location === null) throw new Error(`POST ${startUrl} started an upload but sent no Location header`);
  await client.request('PUT', blobUploadUrl(location, client.baseUrl, digest), {
    headers: { 'content-type': 'application/octet-stream' },
    body: data,
    expect: [201],
  });
}
