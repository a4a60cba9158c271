import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

  it('writes the lines of one event-loop turn together at its end, in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-audit-'));
    dirs.push(dir);
    const path = join(dir, 'audit.log');
    const file = new AuditFile({ path });
    for (let i = 0; i < 3; i++) file.write(`line ${i}`);
    expect(readFileSync(path, 'utf8')).toBe('');
    await new Promise((r) => setImmediate(r));
    expect(readFileSync(path, 'utf8')).toBe('line 0\nline 1\nline 2\n');
    file.close();
  });

  it('writes what waits when the process exits before the turn ends', () => {
    const dir = mkdtempSync(join(tmpdir(), 'skiff-audit-'));
    dirs.push(dir);
    const path = join(dir, 'audit.log');
    const module = fileURLToPath(new URL('./auditFile.ts', import.meta.url));
    const script = `import { AuditFile } from ${JSON.stringify(module)}; const f = new AuditFile({ path: ${JSON.stringify(path)} }); f.write('before exit'); process.exit(0);`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(child.status, child.stderr).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe('before exit\n');
  });
});
