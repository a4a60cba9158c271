import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { componentLogPolicy, COMPONENT_LOG_DEFAULTS } from './componentLog.js';
import { startProcess } from './processes.js';

describe('componentLogPolicy', () => {
  it.each([
    [{}, COMPONENT_LOG_DEFAULTS],
    [{ SKIFF_LOG_MAX_SIZE: '1Mi', SKIFF_LOG_MAX_FILES: '3' }, { maxSizeBytes: 1024 * 1024, maxFiles: 3 }],
    [{ SKIFF_LOG_MAX_SIZE: '200000' }, { maxSizeBytes: 200000, maxFiles: 5 }],
  ])('%o', (env, expected) => {
    expect(componentLogPolicy(env)).toEqual(expected);
  });

  it.each([[{ SKIFF_LOG_MAX_FILES: '1' }], [{ SKIFF_LOG_MAX_FILES: 'x' }], [{ SKIFF_LOG_MAX_SIZE: '0' }]])('refuses %o', (env) => {
    expect(() => componentLogPolicy(env)).toThrow(/SKIFF_LOG_MAX_/);
  });
});

describe('a component log', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-complog-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is rotated by size, keeps the newest files at 0600, and loses no line', async () => {
    const file = join(dir, 'talker.log');
    writeFileSync(file, 'from an older run\n', { mode: 0o644 });
    // 2000 numbered lines of 100 bytes: 200 kB through 20 kB files, 4 kept.
    const script = join(dir, 'talker.mjs');
    writeFileSync(script, "for (let i = 0; i < 2000; i++) process.stdout.write(String(i).padStart(99, '.') + '\\n');\n");
    process.env.SKIFF_LOG_MAX_SIZE = '20000';
    process.env.SKIFF_LOG_MAX_FILES = '4';
    try {
      const p = startProcess('talker', [script], [], file);
      expect(await p.exited).toBe(0);
      await p.logClosed;
    } finally {
      delete process.env.SKIFF_LOG_MAX_SIZE;
      delete process.env.SKIFF_LOG_MAX_FILES;
    }
    const kept = () => readdirSync(dir).filter((f) => f.startsWith('talker.log')).sort();
    // Oldest (talker.log.3) to newest (talker.log).
    const text = () => kept().reverse().map((f) => readFileSync(join(dir, f), 'utf8')).join('');

    const files = kept();
    expect(files).toEqual(['talker.log', 'talker.log.1', 'talker.log.2', 'talker.log.3']);
    for (const f of files) {
      expect(statSync(join(dir, f)).mode & 0o777).toBe(0o600);
      // A write is not split: a file ends at most one pipe chunk (64 KiB) past the limit.
      expect(statSync(join(dir, f)).size).toBeLessThanOrEqual(20000 + 64 * 1024);
    }
    // Oldest to newest, the kept files hold an unbroken run of lines ending with the last one.
    // The line from before may still be in the oldest kept file, when the pipe's chunks were large.
    const numbers = text().trimEnd().split('\n').filter((l) => l !== 'from an older run').map((l) => Number(l.replace(/^\.+/, '')));
    expect(numbers.at(-1)).toBe(1999);
    expect(numbers).toEqual(numbers.map((_, i) => numbers[0] + i));
    expect(numbers.length).toBeGreaterThan(500);
  });
});
