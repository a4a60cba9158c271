import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';

/**
 * Writes a file only its owner may read (0600), also when it already existed with a looser mode
 * (writeFileSync's `mode` applies only to a file it creates).
 */
export function writeSecretFile(file: string, content: string): void {
  writeFileSync(file, content, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** Makes (or tightens) a directory only its owner may enter (0700). */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}
