import { chmodSync, lstatSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Removes a pod's directory whatever its containers left in it: a directory a pod made unreadable
 * (`chmod 000` in an emptyDir) is made removable first. Never throws: what cannot be removed is
 * logged and left, so one pod's leftovers never stop the agent (its start-up included).
 */
export function removeTree(dir: string, log: { warn(obj: object, msg: string): void }): void {
  try {
    rmSync(dir, { recursive: true, force: true });
    return;
  } catch {
    // Retried below, once the tree is writable.
  }
  try {
    makeWritable(dir);
    rmSync(dir, { recursive: true, force: true });
  } catch (err) {
    log.warn({ dir, err: (err as Error).message }, 'could not remove a pod directory; leaving it');
  }
}

function makeWritable(path: string): void {
  const st = lstatSync(path, { throwIfNoEntry: false });
  if (!st?.isDirectory()) return;
  chmodSync(path, 0o700);
  for (const name of readdirSync(path)) makeWritable(join(path, name));
}
