import { renameSync, writeFileSync } from 'node:fs';

/** Writes through a temporary file and a rename, so a crash never leaves half a file behind. */
export function writeFileAtomic(file: string, data: string | Buffer, mode?: number): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data, mode === undefined ? undefined : { mode });
  renameSync(tmp, file);
}
