import { closeSync, fstatSync, openSync, watch, type FSWatcher } from 'node:fs';
import { LogRenderer, readRange, type LogQuery } from './containerLogs.js';
import { rotatedLogFiles, rotationOf } from './logRotation.js';

/** Bytes of `file` from `from` to its end; with `wholeLines`, only up to the last newline. */
function readFrom(file: string, from: number, wholeLines: boolean): Buffer {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return Buffer.alloc(0);
  }
  try {
    const chunk = readRange(fd, from, fstatSync(fd).size);
    return wholeLines ? chunk.subarray(0, chunk.lastIndexOf(10) + 1) : chunk;
  } finally {
    closeSync(fd);
  }
}

/**
 * Streams what is appended to the file from `offset` on, until `until` settles (the container
 * exited) or `signal` aborts (the client went). Complete lines only while following, so that
 * timestamps stay attached to whole lines; the remainder goes out at the end.
 *
 * It follows across a rotation: when a newer rotated file appears, the rest of what it was
 * reading is in that file (renamed, or copied before the truncate); it sends that rest, then
 * starts again at the beginning of the new live file.
 */
export function followLog(
  file: string,
  offset: number,
  query: LogQuery,
  write: (chunk: Buffer) => boolean,
  until: Promise<unknown>,
  signal: AbortSignal,
  limitBytes = Infinity,
): Promise<void> {
  return new Promise((resolve) => {
    let pos = offset;
    let sent = 0;
    let finished = false;
    let watcher: FSWatcher | undefined;
    let poll: NodeJS.Timeout | undefined;
    // Compared without the .gz that compressing a rotated file adds later: that is no rotation.
    const newestRotation = () => {
      const newest = rotatedLogFiles(file)[0];
      return newest === undefined ? undefined : { file: newest, rotation: rotationOf(newest) };
    };
    let lastRotation = newestRotation()?.rotation;
    const renderer = new LogRenderer({ timestamps: query.timestamps, format: query.format }, Date.now);
    const send = (chunk: Buffer, at: number, from: string) => {
      const out = renderer.render(chunk, at, from);
      const piece = out.subarray(0, Math.max(0, limitBytes - sent));
      sent += piece.length;
      if (piece.length) write(piece);
      if (sent >= limitBytes) done();
    };
    const pump = (final: boolean) => {
      if (finished) return;
      renderer.forgetIndex();
      const newest = newestRotation();
      if (newest?.rotation !== lastRotation) {
        lastRotation = newest?.rotation;
        if (newest && !newest.file.endsWith('.gz')) send(readFrom(newest.file, pos, false), pos, newest.file);
        pos = 0;
        watchFile();
        if (finished) return;
      }
      const chunk = readFrom(file, pos, !final);
      if (!chunk.length) return;
      const at = pos;
      pos += chunk.length;
      send(chunk, at, file);
    };
    // inotify watches the file, not the name: after a rotation the watch moves to the new file.
    const watchFile = () => {
      watcher?.close();
      try {
        watcher = watch(file, { persistent: false }, () => pump(false));
        watcher.on('error', () => watcher?.close());
      } catch {
        // not created yet (renamed, the runtime reopening it): the poll below picks it up
        watcher = undefined;
      }
    };
    const done = () => {
      if (finished) return;
      finished = true;
      watcher?.close();
      if (poll) clearInterval(poll);
      signal.removeEventListener('abort', done);
      resolve();
    };
    watchFile();
    // inotify can miss writes made through another mount of the file; a slow poll backs it up.
    poll = setInterval(() => pump(false), 500);
    poll.unref();
    signal.addEventListener('abort', done);
    pump(false);
    void until.then(() => {
      pump(true);
      done();
    });
  });
}
