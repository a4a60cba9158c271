import { closeSync, fstatSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

export interface AuditFileOptions {
  path: string;
  /** Rotate once the file would grow past this many megabytes (kube-apiserver's --audit-log-maxsize); 0: never. */
  maxSizeMB?: number;
  /** Rotated files kept (--audit-log-maxbackup); 0: all of them. */
  maxBackups?: number;
  now?: () => Date;
  /** A write that failed (a full disk): its lines are lost, the API goes on. */
  onError?: (err: Error) => void;
}

/**
 * An append-only file of audit lines, mode 0600, rotated by size as kube-apiserver's lumberjack
 * does: `audit.log` becomes `audit-2026-12-05T09-10-11.123.log` and a fresh `audit.log` starts;
 * beyond `maxBackups` the oldest rotated files are deleted. Lines written in one turn of the
 * event loop go to the file together, in order, in one synchronous write at the end of the turn
 * (not one system call per request on the request path); they are written at the latest when the
 * file is closed or the process exits, so no line a request left is lost unless the process is
 * killed outright within that turn. Lines never interleave.
 * Small own code rather than a dependency: the whole job is a size check and a rename.
 */
export class AuditFile {
  private fd: number;
  private size: number;
  private pending: Buffer[] = [];
  private flushing: NodeJS.Immediate | undefined;
  private readonly flushOnExit = () => this.flushReporting();

  constructor(private readonly opts: AuditFileOptions) {
    this.fd = openSync(opts.path, 'a', 0o600);
    this.size = fstatSync(this.fd).size;
    process.on('exit', this.flushOnExit);
  }

  write(line: string): void {
    this.pending.push(Buffer.from(`${line}\n`));
    this.flushing ??= setImmediate(() => this.flushReporting());
  }

  private flushReporting(): void {
    try {
      this.flush();
    } catch (err) {
      this.opts.onError?.(err as Error);
    }
  }

  /** Writes the lines waiting, rotating before a line that would take the file past its size. */
  flush(): void {
    clearImmediate(this.flushing);
    this.flushing = undefined;
    const lines = this.pending;
    this.pending = [];
    const max = (this.opts.maxSizeMB ?? 0) * 1024 * 1024;
    let chunk: Buffer[] = [];
    let chunkBytes = 0;
    const writeChunk = () => {
      if (chunk.length) writeSync(this.fd, chunk.length === 1 ? chunk[0] : Buffer.concat(chunk, chunkBytes));
      this.size += chunkBytes;
      chunk = [];
      chunkBytes = 0;
    };
    for (const bytes of lines) {
      const size = this.size + chunkBytes;
      if (max > 0 && size > 0 && size + bytes.length > max) {
        writeChunk();
        this.rotate();
      }
      chunk.push(bytes);
      chunkBytes += bytes.length;
    }
    writeChunk();
  }

  close(): void {
    this.flush();
    process.off('exit', this.flushOnExit);
    closeSync(this.fd);
  }

  private rotate(): void {
    closeSync(this.fd);
    const { path } = this.opts;
    const ext = extname(path);
    const stem = basename(path, ext);
    const stamp = (this.opts.now?.() ?? new Date()).toISOString().replace('Z', '').replace(/:/g, '-');
    renameSync(path, join(dirname(path), `${stem}-${stamp}${ext}`));
    this.fd = openSync(path, 'a', 0o600);
    this.size = 0;
    const keep = this.opts.maxBackups ?? 0;
    if (keep > 0) for (const old of this.backups().slice(0, -keep)) rmSync(join(dirname(path), old), { force: true });
  }

  /** Rotated files, oldest first (their timestamps sort as text). */
  private backups(): string[] {
    const ext = extname(this.opts.path);
    const stem = basename(this.opts.path, ext);
    const rotated = new RegExp(`^${escape(stem)}-\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}-\\d{2}\\.\\d{3}${escape(ext)}$`);
    return readdirSync(dirname(this.opts.path)).filter((f) => rotated.test(f)).sort();
  }
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
