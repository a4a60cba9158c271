import { appendFileSync, closeSync, fstatSync, openSync, readFileSync, readSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { logIndexPath } from './logRotation.js';

/**
 * Container logs. A run's stdout and stderr go straight from the process into
 * `<podDir>/logs/<container>/<restartCount>.log` (the agent holds no pipe, so a container keeps
 * logging while the agent restarts). Since the process writes raw bytes, the agent keeps a
 * sidecar index `<n>.log.idx` of "size epochMs" lines, appended whenever it sees the file grow;
 * a line's timestamp (for `timestamps=true` and `sinceSeconds`) is the first moment the file was
 * seen holding all of it: within milliseconds while the agent runs, the catch-up time otherwise.
 * A running container's file is rotated by size (logRotation.ts); `kubectl logs` reads the live file.
 */

export function containerLogDir(podDir: string, container: string): string {
  return join(podDir, 'logs', container);
}

export function logFilePath(podDir: string, container: string, restartCount: number): string {
  return join(containerLogDir(podDir, container), `${restartCount}.log`);
}

interface IndexEntry {
  size: number;
  ms: number;
}

export function readLogIndex(file: string): IndexEntry[] {
  let text: string;
  try {
    text = readFileSync(logIndexPath(file), 'utf8');
  } catch {
    return [];
  }
  const out: IndexEntry[] = [];
  for (const line of text.split('\n')) {
    const [size, ms] = line.split(' ').map(Number);
    if (Number.isFinite(size) && Number.isFinite(ms) && line) out.push({ size, ms });
  }
  return out;
}

/** When the byte just before `endOffset` was first seen: the first index entry covering it. */
export function timeOfOffset(index: IndexEntry[], endOffset: number, fallbackMs: number): number {
  let lo = 0;
  let hi = index.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (index[mid].size >= endOffset) hi = mid;
    else lo = mid + 1;
  }
  return lo < index.length ? index[lo].ms : fallbackMs;
}

/** RFC 3339 with nanoseconds, as the CRI log format and `kubectl logs --timestamps` show it. */
export function rfc3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}

/**
 * Watches a running container's log file and records when it grows. Bursts of writes are
 * coalesced into one index entry per event-loop turn.
 */
export class LogIndexer {
  private watcher: FSWatcher | undefined;
  private lastSize: number;
  private scheduled = false;

  constructor(private readonly file: string) {
    const index = readLogIndex(file);
    this.lastSize = index.length ? index[index.length - 1].size : 0;
  }

  start(): this {
    // Whatever was written while nobody watched (agent restart) is stamped with the file's mtime.
    this.check(true);
    try {
      this.watcher = watch(this.file, { persistent: false }, () => this.schedule());
      this.watcher.on('error', () => this.stop());
    } catch {
      // the file is gone; nothing to index
    }
    return this;
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = undefined;
    this.check(false);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.check(false);
    });
  }

  private check(useMtime: boolean): void {
    let size: number;
    let mtimeMs: number;
    try {
      const st = statSync(this.file);
      size = st.size;
      mtimeMs = st.mtimeMs;
    } catch {
      return;
    }
    // Smaller than last seen: the file was rotated (copied and truncated), its index moved with the copy.
    if (size < this.lastSize) this.lastSize = 0;
    if (size <= this.lastSize) return;
    this.lastSize = size;
    try {
      appendFileSync(logIndexPath(this.file), `${size} ${Math.round(useMtime ? mtimeMs : Date.now())}\n`);
    } catch {
      // the pod's directory is being removed
    }
  }
}

export interface LogQuery {
  /**
   * How the file is written: `raw` bytes from the process (timestamps from the .idx sidecar), or
   * the CRI log format a container runtime writes: `<RFC 3339 nano> <stdout|stderr> <P|F> <text>`
   * per line, P marking a partial line that the next entry continues.
   */
  format?: 'raw' | 'cri';
  tailLines?: number;
  limitBytes?: number;
  timestamps?: boolean;
  sinceSeconds?: number;
}

/** Splits bytes into lines, each with its end offset (after the newline) in the file. */
function lines(buf: Buffer, baseOffset: number): { line: Buffer; end: number }[] {
  const out: { line: Buffer; end: number }[] = [];
  let start = 0;
  while (start < buf.length) {
    const nl = buf.indexOf(10, start);
    const stop = nl < 0 ? buf.length : nl + 1;
    out.push({ line: buf.subarray(start, stop), end: baseOffset + stop });
    start = stop;
  }
  return out;
}

/** Reads into `buf` at a file position, as fs.readSync does; tests pass one that counts. */
export type ReadAt = (fd: number, buf: Buffer, offset: number, length: number, position: number) => number;

const readAtFs: ReadAt = (fd, buf, offset, length, position) => readSync(fd, buf, offset, length, position);

const BLOCK = 64 * 1024;

/**
 * The offset at which the last `n` lines of the file start, reading backwards a block at a time:
 * a tail of a few lines reads a block or two however long the file is.
 */
function tailOffset(fd: number, size: number, n: number, read: ReadAt): number {
  if (n <= 0) return size;
  let pos = size;
  let newlines = 0;
  const block = Buffer.alloc(BLOCK);
  // A final newline ends the last line rather than starting an empty one.
  let skipTrailing = true;
  while (pos > 0) {
    const len = Math.min(block.length, pos);
    pos -= len;
    read(fd, block, 0, len, pos);
    for (let i = len - 1; i >= 0; i--) {
      if (block[i] !== 10) {
        skipTrailing = false;
        continue;
      }
      if (skipTrailing) {
        skipTrailing = false;
        continue;
      }
      newlines++;
      if (newlines === n) return pos + i + 1;
    }
  }
  return 0;
}

export function readRange(fd: number, start: number, end: number): Buffer {
  const buf = Buffer.alloc(Math.max(0, end - start));
  let off = 0;
  while (off < buf.length) {
    const n = readSync(fd, buf, off, buf.length - off, start + off);
    if (n === 0) break;
    off += n;
  }
  return buf.subarray(0, off);
}

/** One CRI log line split into its parts; undefined when it is not in that format. */
export function parseCriLogLine(line: Buffer): { time: string; stream: string; partial: boolean; content: Buffer } | undefined {
  const body = line[line.length - 1] === 10 ? line.subarray(0, line.length - 1) : line;
  const s1 = body.indexOf(32);
  const s2 = s1 < 0 ? -1 : body.indexOf(32, s1 + 1);
  if (s2 < 0) return undefined;
  const s3 = body.indexOf(32, s2 + 1);
  const stream = body.subarray(s1 + 1, s2).toString();
  const tag = body.subarray(s2 + 1, s3 < 0 ? body.length : s3).toString();
  if ((tag !== 'P' && tag !== 'F') || (stream !== 'stdout' && stream !== 'stderr')) return undefined;
  return { time: body.subarray(0, s1).toString(), stream, partial: tag === 'P', content: s3 < 0 ? Buffer.alloc(0) : body.subarray(s3 + 1) };
}

/**
 * Turns whole lines of a log file into what `kubectl logs` shows (filtered by time, optionally
 * timestamped), one run of lines after another: it keeps what spans runs, a CRI entry whose
 * line goes on (P) and the raw file's index.
 */
export class LogRenderer {
  private continuing = false;
  private index: { file: string; entries: IndexEntry[] } | undefined;
  private readonly cutoff: number;

  constructor(
    private readonly query: LogQuery,
    private readonly now: () => number,
  ) {
    this.cutoff = query.sinceSeconds !== undefined ? now() - query.sinceSeconds * 1000 : -Infinity;
  }

  /** A follower reads the index again: it grows with the file. */
  forgetIndex(): void {
    this.index = undefined;
  }

  /** `buf` holds whole lines from `offset` in `file` (a last line may lack its newline at the end). */
  render(buf: Buffer, offset: number, file: string): Buffer {
    if (this.query.format === 'cri') return this.renderCri(buf);
    if (!this.query.timestamps && this.cutoff === -Infinity) return buf;
    if (this.index?.file !== file) this.index = { file, entries: readLogIndex(file) };
    const parts: Buffer[] = [];
    const now = this.now();
    for (const { line, end } of lines(buf, offset)) {
      const ms = timeOfOffset(this.index.entries, end, now);
      if (ms < this.cutoff) continue;
      if (this.query.timestamps) parts.push(Buffer.from(`${rfc3339Nano(ms)} `));
      parts.push(line);
    }
    return Buffer.concat(parts);
  }

  /** CRI-format lines: the text, whole lines joined, optionally with the runtime's timestamps. */
  private renderCri(buf: Buffer): Buffer {
    const parts: Buffer[] = [];
    for (const { line } of lines(buf, 0)) {
      const entry = parseCriLogLine(line);
      if (!entry) continue;
      if (this.cutoff > -Infinity && Date.parse(entry.time) < this.cutoff) continue;
      if (this.query.timestamps && !this.continuing) parts.push(Buffer.from(`${entry.time} `));
      parts.push(entry.content);
      if (!entry.partial) parts.push(Buffer.from('\n'));
      this.continuing = entry.partial;
    }
    return Buffer.concat(parts);
  }
}

/**
 * The log as `kubectl logs` asks for it (tail, since, timestamps, byte limit), up to the current
 * end. It reads forward a block at a time from where the tail starts and stops once it has
 * `limitBytes` to show, so neither a tail nor a byte limit reads the whole file.
 */
export function readLog(file: string, query: LogQuery, nowMs = Date.now(), read: ReadAt = readAtFs): { data: Buffer; end: number } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch {
    return { data: Buffer.alloc(0), end: 0 };
  }
  try {
    const size = fstatSync(fd).size;
    const limit = query.limitBytes ?? Infinity;
    const renderer = new LogRenderer(query, () => nowMs);
    let pos = query.tailLines !== undefined ? tailOffset(fd, size, query.tailLines, read) : 0;
    const parts: Buffer[] = [];
    let shown = 0;
    // The start of a line the last block cut off, and where it is in the file.
    let carry = Buffer.alloc(0);
    const block = Buffer.alloc(BLOCK);
    while (pos < size && shown < limit) {
      const n = read(fd, block, 0, Math.min(BLOCK, size - pos), pos);
      if (n === 0) break;
      const bytes = Buffer.concat([carry, block.subarray(0, n)]);
      const bytesAt = pos - carry.length;
      pos += n;
      // At the end of the file a last line without its newline counts as whole.
      const cut = pos < size ? bytes.lastIndexOf(10) + 1 : bytes.length;
      carry = bytes.subarray(cut);
      const out = renderer.render(bytes.subarray(0, cut), bytesAt, file);
      parts.push(out);
      shown += out.length;
    }
    const data = Buffer.concat(parts);
    return { data: data.length > limit ? data.subarray(0, limit) : data, end: size };
  } finally {
    closeSync(fd);
  }
}
