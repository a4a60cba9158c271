import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh directory per suite; `remove` deletes it and everything a registry stored there. */
export async function makeTempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), `skiff-oci-${prefix}-`));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}
