import { chmodSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Writable } from 'node:stream';
import { parseQuantity } from '@skiff/apimachinery';
import { createStream } from 'rotating-file-stream';

/**
 * The log file of a component `skiff up` runs: DIR/logs/NAME.log, 0600 (logs may name secrets),
 * rotated by size as logrotate does (NAME.log.1 is the newest rotated file, NAME.log.N the
 * oldest), so a long-lived cluster does not fill the disk.
 */
export interface ComponentLogPolicy {
  maxSizeBytes: number;
  /** Files kept in all, the one written to included. */
  maxFiles: number;
}

export const COMPONENT_LOG_DEFAULTS: ComponentLogPolicy = { maxSizeBytes: 50 * 1024 * 1024, maxFiles: 5 };

/** The policy from SKIFF_LOG_MAX_SIZE (a quantity: 50Mi, 1Gi, 200000) and SKIFF_LOG_MAX_FILES (at least 2). */
export function componentLogPolicy(env: NodeJS.ProcessEnv): ComponentLogPolicy {
  const size = env.SKIFF_LOG_MAX_SIZE;
  const files = env.SKIFF_LOG_MAX_FILES;
  const maxSizeBytes = size ? Math.floor(parseQuantity(size)) : COMPONENT_LOG_DEFAULTS.maxSizeBytes;
  const maxFiles = files ? Number(files) : COMPONENT_LOG_DEFAULTS.maxFiles;
  if (!(maxSizeBytes > 0)) throw new Error(`SKIFF_LOG_MAX_SIZE must be a positive quantity, got ${size}`);
  if (!Number.isInteger(maxFiles) || maxFiles < 2) throw new Error(`SKIFF_LOG_MAX_FILES must be an integer of at least 2, got ${files}`);
  return { maxSizeBytes, maxFiles };
}

/** A stream appending to `file`, rotated by `policy`. */
export function openComponentLog(file: string, policy: ComponentLogPolicy): Writable {
  const stream = createStream(basename(file), {
    path: `${dirname(file)}/`,
    size: `${policy.maxSizeBytes}B`,
    rotate: policy.maxFiles - 1,
    mode: 0o600,
  });
  // A file left by an older version may be more open than 0600; mode applies only to new files.
  stream.on('open', (name: string) => chmodSync(name, 0o600));
  return stream;
}
