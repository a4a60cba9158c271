import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AuditFile } from './auditFile.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('AuditFile', () => {
  it('rotates by size into timestamped files, keeps maxBackups of them, all mode 0600', () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-audit-'));
    dirs.push(dir);
    let t = Date.parse('2026-12-05T09:00:00.000Z');
    // 0.001 MB = 1048 bytes: a 100-byte line fits 10 times per file.
    const file = new AuditFile({ path: join(dir, 'audit.log'), maxSizeMB: 0.001, maxBackups: 2, now: () => new Date((t += 1000)) });
    const line = (i: number) => `${String(i).padStart(4, '0')}${'x'.repeat(95)}`;
    for (let i = 0; i < 35; i++) file.write(line(i));
    file.close();

    const names = readdirSync(dir).sort();
    expect(names).toEqual(['audit-2026-12-05T09-00-02.000.log', 'audit-2026-12-05T09-00-03.000.log', 'audit.log']);
    for (const n of names) {
      expect(statSync(join(dir, n)).mode & 0o777).toBe(0o600);
      expect(statSync(join(dir, n)).size).toBeLessThanOrEqual(1048);
    }
    // Nothing lost between the kept files: lines 10..34 in order.
    const kept = names.slice(0, 2).concat('audit.log').flatMap((n) => readFileSync(join(dir, n), 'utf8').trim().split('\n'));
    expect(kept.map((l) => Number(l.slice(0, 4)))).toEqual(Array.from({ length: 25 }, (_, i) => i + 10));
  });

  it('appends to an existing file and counts its size', () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-audit-'));
    dirs.push(dir);
    const path = join(dir, 'audit.log');
    const first = new AuditFile({ path });
    first.write('first');
    first.close();
    const again = new AuditFile({ path });
    again.write('second');
    again.close();
    expect(readFileSync(path, 'utf8')).toBe('first\nsecond\n');
  });
});
