import { closeSync, fstatSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';

export interface AuditFileOptions {
  path: string;
  /** Rotate once the file would grow past this many megabytes (kube-apiserver's --audit-log-maxsize); 0: never. */
  maxSizeMB?: number;
  /** Rotated files kept (--audit-log-maxbackup); 0: all of them. */
  maxBackups?: number;
  now?: () => Date;
}

/**
 * An append-only file of audit lines, mode 0600, rotated by size as kube-apiserver's lumberjack
 * does: `audit.log` becomes `audit-2026-12-05T09-10-11.123.log` and a fresh `audit.log` starts;
 * beyond `maxBackups` the oldest rotated files are deleted. Writes are synchronous: a line is on
 * disk (in the page cache) before the response's next request is handled, and lines never interleave.
 * Small own code rather than a dependency: the whole job is a size check and a rename.
 */
export class AuditFile {
  private fd: number;
  private size: number;

  constructor(private readonly opts: AuditFileOptions) {
    this.fd = openSync(opts.path, 'a', 0o600);
    this.size = fstatSync(this.fd).size;
  }

  write(line: string): void {
    const bytes = Buffer.from(`${line}\n`);
    const max = (this.opts.maxSizeMB ?? 0) * 1024 * 1024;
    if (max > 0 && this.size > 0 && this.size + bytes.length > max) this.rotate();
    writeSync(this.fd, bytes);
    this.size += bytes.length;
  }

  close(): void {
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
