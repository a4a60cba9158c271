import { createHash } from 'node:crypto';
import { OCI_MANIFEST_MEDIA_TYPE } from '../src/index.js';

/**
 * Reads straight from the registry over HTTP, independent of the client code under test.
 * Registries only return an OCI manifest to clients that say they accept one.
 */
export async function getFromRegistry(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const response = await fetch(url, { headers: { accept: OCI_MANIFEST_MEDIA_TYPE, ...headers } });
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

export function sha256Of(data: Buffer): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}
