import { createHash } from 'node:crypto';

/** A content digest in the form registries and OCI descriptors use: `sha256:<64 hex>`. */
export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}
