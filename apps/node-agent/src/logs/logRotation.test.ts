import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { rotateContainerLog, rotatedLogFiles } from './logRotation.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-rotation-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function freshLog(): string {
  return join(mkdtempSync(join(dir, 'container-')), '0.log');
}

/** Every kept file of a log, oldest first, decompressed, then the live one. */
function allText(file: string): string {
  const rotated = rotatedLogFiles(file).reverse();
  return [...rotated.map((f) => (f.endsWith('.gz') ? gunzipSync(readFileSync(f)) : readFileSync(f)).toString()), readFileSync(file, 'utf8')].join('');
}

/** Numbered lines "n\n" from..to. */
function numbered(from: number, to: number): string {
  let s = '';
  for (let i = from; i <= to; i++) s += `${i}\n`;
  return s;
}

describe('rotateContainerLog', () => {
  it('leaves a file under the size alone', async () => {
    const file = freshLog();
    writeFileSync(file, 'x'.repeat(99));
    expect(await rotateContainerLog(file, { maxSizeBytes: 100, maxFiles: 3 })).toBe(false);
    expect(rotatedLogFiles(file)).toEqual([]);
  });

  it('renames the file and has the runtime reopen it; older files are gzipped and the oldest removed', async () => {
    const file = freshLog();
    // A stand-in for a CRI runtime: it writes through its own handle and reopens the path when asked.
    let fd = openSync(file, 'a');
    const reopen = async () => {
      closeSync(fd);
      fd = openSync(file, 'a');
    };
    const policy = { maxSizeBytes: 1000, maxFiles: 3 };
    let n = 0;
    for (let round = 0; round < 5; round++) {
      const from = n + 1;
      n += 300;
      writeSync(fd, numbered(from, n));
      expect(await rotateContainerLog(file, policy, { reopen, nowMs: Date.UTC(2026, 0, 1, 0, 0, round) })).toBe(true);
    }
    writeSync(fd, 'after\n');
    closeSync(fd);

    const rotated = rotatedLogFiles(file).map((f) => f.slice(file.length));
    // maxFiles 3: the live file, the newest rotated one as it is, one older gzipped.
    expect(rotated).toEqual(['.20260101-000004.000', '.20260101-000003.000.gz']);
    expect(readFileSync(file, 'utf8')).toBe('after\n');
    expect(allText(file)).toBe(numbered(901, 1500) + 'after\n');
  });

  it('puts the file back when the runtime cannot reopen it', async () => {
    const file = freshLog();
    writeFileSync(file, numbered(1, 500));
    const failing = async () => {
      throw new Error('no such container');
    };
    await expect(rotateContainerLog(file, { maxSizeBytes: 100, maxFiles: 3 }, { reopen: failing })).rejects.toThrow('no such container');
    expect(readFileSync(file, 'utf8')).toBe(numbered(1, 500));
    expect(rotatedLogFiles(file)).toEqual([]);
  });

  it('moves a raw log\'s index with the copy', async () => {
    const file = freshLog();
    writeFileSync(file, numbered(1, 50));
    writeFileSync(`${file}.idx`, '141 1000\n');
    expect(await rotateContainerLog(file, { maxSizeBytes: 100, maxFiles: 2 }, { nowMs: Date.UTC(2026, 0, 1) })).toBe(true);
    const [rotated] = rotatedLogFiles(file);
    expect([readFileSync(rotated, 'utf8'), readFileSync(`${rotated}.idx`, 'utf8')]).toEqual([numbered(1, 50), '141 1000\n']);
    expect([statSync(file).size, readdirSync(join(file, '..')).sort()]).toEqual([0, ['0.log', '0.log.20260101-000000.000', '0.log.20260101-000000.000.idx']]);
  });

  it('copies and truncates a file a running process appends to', async () => {
    const file = freshLog();
    // A container of the process runtime: its stdout is the log file itself, opened for appending.
    const out = openSync(file, 'a');
    const child = spawn(process.execPath, ['-e', "let i = 0; const t = setInterval(() => { process.stdout.write(`${++i}\\n`); if (i === 3000) clearInterval(t); }, 0.2);"], { stdio: ['ignore', out, 'inherit'] });
    closeSync(out);
    const exited = new Promise((r) => child.on('exit', r));
    const policy = { maxSizeBytes: 2000, maxFiles: 4 };
    let rotations = 0;
    let running = true;
    void exited.then(() => (running = false));
    while (running) {
      if (await rotateContainerLog(file, policy)) rotations++;
      await new Promise((r) => setImmediate(r));
    }
    expect(rotations).toBeGreaterThan(3);
    const files = rotatedLogFiles(file);
    expect(files).toHaveLength(3);
    expect(files.map((f) => f.endsWith('.gz'))).toEqual([false, true, true]);
    // The live file kept its inode and was emptied; what the process wrote after lands at its start.
    const live = readFileSync(file, 'utf8');
    expect(live.endsWith('3000\n')).toBe(true);
    // Kept lines are in order with no line doubled; a line written in the instant between the
    // last copied block and the truncate may be lost (copytruncate), so allow a handful of gaps.
    const kept = allText(file).trimEnd().split('\n').map(Number);
    expect(kept.slice(1).every((v, i) => v > kept[i])).toBe(true);
    expect(kept.slice(1).filter((v, i) => v !== kept[i] + 1).length).toBeLessThanOrEqual(2);
    // 3 rotated files of about 2000 bytes and the live one: the last ~1500 lines, not all 3000.
    expect(kept.length).toBeLessThan(2500);
  });
});
