import { appendFileSync, closeSync, existsSync, fstatSync, openSync, readFileSync, readSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';

/**
 * Container logs. A run's stdout and stderr go straight from the process into
 * `<podDir>/logs/<container>/<restartCount>.log` (the agent holds no pipe, so a container keeps
 * logging while the agent restarts). Since the process writes raw bytes, the agent keeps a
 * sidecar index `<n>.log.idx` of "size epochMs" lines, appended whenever it sees the file grow;
 * a line's timestamp (for `timestamps=true` and `sinceSeconds`) is the first moment the file was
 * seen holding all of it: within milliseconds while the agent runs, the catch-up time otherwise.
 */

export function containerLogDir(podDir: string, container: string): string {
  return join(podDir, 'logs', container);
}

export function logFilePath(podDir: string, container: string, restartCount: number): string {
  return join(containerLogDir(podDir, container), `${restartCount}.log`);
}

function indexPath(file: string): string {
  return `${file}.idx`;
}

interface IndexEntry {
  size: number;
  ms: number;
}

export function readLogIndex(file: string): IndexEntry[] {
  let text: string;
  try {
    text = readFileSync(indexPath(file), 'utf8');
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
    if (size <= this.lastSize) return;
    this.lastSize = size;
    try {
      appendFileSync(indexPath(this.file), `${size} ${Math.round(useMtime ? mtimeMs : Date.now())}\n`);
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

/** The offset at which the last `n` lines of the file start, scanning backwards in blocks. */
function tailOffset(fd: number, size: number, n: number): number {
  if (n <= 0) return size;
  let pos = size;
  let newlines = 0;
  const block = Buffer.alloc(64 * 1024);
  // A final newline ends the last line rather than starting an empty one.
  let skipTrailing = true;
  while (pos > 0) {
    const len = Math.min(block.length, pos);
    pos -= len;
    readSync(fd, block, 0, len, pos);
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

function readRange(fd: number, start: number, end: number): Buffer {
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

/** CRI-format lines as `kubectl logs` shows them: the text, whole lines joined, optionally timestamped. */
function renderCri(buf: Buffer, query: LogQuery, nowMs: number): Buffer {
  const cutoff = query.sinceSeconds !== undefined ? nowMs - query.sinceSeconds * 1000 : -Infinity;
  const parts: Buffer[] = [];
  let continuing = false;
  for (const { line } of lines(buf, 0)) {
    const entry = parseCriLogLine(line);
    if (!entry) continue;
    if (cutoff > -Infinity && Date.parse(entry.time) < cutoff) continue;
    if (query.timestamps && !continuing) parts.push(Buffer.from(`${entry.time} `));
    parts.push(entry.content);
    if (!entry.partial) parts.push(Buffer.from('\n'));
    continuing = entry.partial;
  }
  return Buffer.concat(parts);
}

/** Formats lines from `buf` (starting at `offset` in the file) for output, filtered by time. */
function render(buf: Buffer, offset: number, file: string, query: LogQuery, nowMs: number): Buffer {
  if (query.format === 'cri') return renderCri(buf, query, nowMs);
  if (!query.timestamps && query.sinceSeconds === undefined) return buf;
  const index = readLogIndex(file);
  const cutoff = query.sinceSeconds !== undefined ? nowMs - query.sinceSeconds * 1000 : -Infinity;
  const parts: Buffer[] = [];
  for (const { line, end } of lines(buf, offset)) {
    const ms = timeOfOffset(index, end, nowMs);
    if (ms < cutoff) continue;
    if (query.timestamps) parts.push(Buffer.from(`${rfc3339Nano(ms)} `));
    parts.push(line);
  }
  return Buffer.concat(parts);
}

/** The log as `kubectl logs` asks for it (tail, since, timestamps, byte limit), up to the current end. */
export function readLog(file: string, query: LogQuery, nowMs = Date.now()): { data: Buffer; end: number } {
  if (!existsSync(file)) return { data: Buffer.alloc(0), end: 0 };
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const start = query.tailLines !== undefined ? tailOffset(fd, size, query.tailLines) : 0;
    let data = render(readRange(fd, start, size), start, file, query, nowMs);
    if (query.limitBytes !== undefined && data.length > query.limitBytes) data = data.subarray(0, query.limitBytes);
    return { data, end: size };
  } finally {
    closeSync(fd);
  }
}

/**
 * Streams what is appended to the file from `offset` on, until `until` settles (the container
 * exited) or `signal` aborts (the client went). Complete lines only while following, so that
 * timestamps stay attached to whole lines; the remainder goes out at the end.
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
    const pump = (final: boolean) => {
      if (finished) return;
      let fd: number;
      try {
        fd = openSync(file, 'r');
      } catch {
        return;
      }
      try {
        const size = fstatSync(fd).size;
        if (size <= pos) return;
        let chunk = readRange(fd, pos, size);
        if (!final) {
          const lastNl = chunk.lastIndexOf(10);
          if (lastNl < 0) return;
          chunk = chunk.subarray(0, lastNl + 1);
        }
        const out = render(chunk, pos, file, { timestamps: query.timestamps, format: query.format }, Date.now());
        pos += chunk.length;
        const room = limitBytes - sent;
        const piece = out.length > room ? out.subarray(0, room) : out;
        sent += piece.length;
        if (piece.length) write(piece);
        if (sent >= limitBytes) done();
      } finally {
        closeSync(fd);
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
    try {
      watcher = watch(file, { persistent: false }, () => pump(false));
    } catch {
      // not created yet: the poll below picks it up
    }
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
