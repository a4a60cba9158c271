import { closeSync, createReadStream, createWriteStream, ftruncateSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

/**
 * Container log rotation, as the kubelet's container log manager does it (containerLogMaxSize,
 * containerLogMaxFiles): once a running container's log is past the size, it moves to
 * `<log>.<UTC time>`, older rotated files are gzipped, and the oldest go so that at most
 * `maxFiles` files remain, the live one included. `kubectl logs` reads the live file only.
 *
 * Two ways to move the live file aside, depending on who holds it open:
 * - a CRI runtime writes through its own handle: rename the file, then ask the runtime to
 *   reopen it (ReopenContainerLog), so nothing written in between is lost;
 * - a process runtime's container holds the file itself (O_APPEND, the agent holds no pipe):
 *   copy it, then truncate it in place (logrotate's copytruncate). Bytes the container writes
 *   between the last copied block and the truncate (microseconds) are lost.
 */

export interface LogRotationPolicy {
  /** Rotate once the live file reaches this many bytes. */
  maxSizeBytes: number;
  /** Files kept per container, the live one included (at least 2). */
  maxFiles: number;
}

/** The kubelet's defaults: 10Mi, 5 files. */
export const CONTAINER_LOG_DEFAULTS: LogRotationPolicy = { maxSizeBytes: 10 * 1024 * 1024, maxFiles: 5 };

const STAMP = /^\d{8}-\d{6}\.\d{3}$/;

/** `20261205-123456.789`: sorts as it reads, unique enough at one rotation per check. */
function rotationStamp(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-12-05T12:34:56.789Z
  return `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}.${iso.slice(20, 23)}`;
}

/** When a rotated file was rotated: its name without the `.gz` that compression adds. */
export function rotationOf(rotatedFile: string): string {
  return rotatedFile.replace(/\.gz$/, '');
}

/** The rotated files of `file`, newest first; compressed ones end in `.gz`. */
export function rotatedLogFiles(file: string): string[] {
  const prefix = `${basename(file)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(file));
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(prefix) && STAMP.test(rotationOf(n.slice(prefix.length))))
    .sort((a, b) => (rotationOf(a) < rotationOf(b) ? 1 : rotationOf(a) > rotationOf(b) ? -1 : 0))
    .map((n) => join(dirname(file), n));
}

/** The sidecar timestamp index of a raw log (see containerLogs.ts), which travels with its file. */
export function logIndexPath(file: string): string {
  return `${file}.idx`;
}

function remove(file: string): void {
  rmSync(file, { force: true });
  rmSync(logIndexPath(file), { force: true });
}

async function gzipFile(file: string): Promise<void> {
  const target = `${file}.gz`;
  await pipeline(createReadStream(file), createGzip(), createWriteStream(target, { mode: 0o600 }));
  remove(file);
}

/**
 * Copies `file` to `target` and empties it, block by block up to whatever end the file has
 * when the copy catches up. Synchronous, so the agent's own readers of the file (the raw log
 * indexer, followers) never see it half done.
 */
function copyTruncate(file: string, target: string): void {
  const src = openSync(file, 'r+');
  const dst = openSync(target, 'wx', 0o600);
  try {
    const block = Buffer.alloc(1024 * 1024);
    let pos = 0;
    for (;;) {
      const n = readSync(src, block, 0, block.length, pos);
      if (n === 0) break;
      writeSync(dst, block, 0, n);
      pos += n;
    }
    ftruncateSync(src, 0);
  } finally {
    closeSync(dst);
    closeSync(src);
  }
}

export interface RotateOptions {
  /** A CRI runtime's ReopenContainerLog; without it the file is copied and truncated. */
  reopen?: () => Promise<void>;
  nowMs?: number;
}

/** Rotates `file` when it has reached the policy's size; true when it did. */
export async function rotateContainerLog(file: string, policy: LogRotationPolicy, opts: RotateOptions = {}): Promise<boolean> {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return false;
  }
  if (size < policy.maxSizeBytes) return false;

  // Room for the file about to be rotated: maxFiles - 2 older ones stay, beside it and the live one.
  const rotated = rotatedLogFiles(file);
  for (const old of rotated.slice(Math.max(0, policy.maxFiles - 2))) remove(old);
  for (const old of rotated.slice(0, Math.max(0, policy.maxFiles - 2))) {
    if (!old.endsWith('.gz')) await gzipFile(old);
  }

  const target = `${file}.${rotationStamp(opts.nowMs ?? Date.now())}`;
  if (opts.reopen) {
    renameSync(file, target);
    try {
      await opts.reopen();
    } catch (err) {
      // The runtime still writes to the renamed file: put it back, as the kubelet does.
      renameSync(target, file);
      throw err;
    }
    return true;
  }
  copyTruncate(file, target);
  try {
    renameSync(logIndexPath(file), logIndexPath(target));
  } catch {
    // no index (a CRI-format file copied, or nothing indexed yet)
  }
  return true;
}
