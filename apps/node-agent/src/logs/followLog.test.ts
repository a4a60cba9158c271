import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LogIndexer } from './containerLogs.js';
import { followLog } from './followLog.js';
import { rotateContainerLog } from './logRotation.js';

describe('following across a rotation', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-follow-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Follows `file` from its end; `text()` is what was sent so far, `stop()` ends it. */
  function follow(file: string, query: Parameters<typeof followLog>[2] = {}) {
    let got = '';
    const abort = new AbortController();
    let exited!: () => void;
    const until = new Promise<void>((r) => (exited = r));
    const finished = followLog(file, statSync(file).size, query, (chunk) => ((got += chunk.toString()), true), until, abort.signal);
    return { text: () => got, containerExited: () => exited(), finished };
  }

  async function until(what: string, check: () => boolean): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  it('sends what was written before a copytruncate rotation, then what the process writes after it', async () => {
    const file = join(mkdtempSync(join(dir, 'raw-')), '0.log');
    writeFileSync(file, 'old\n');
    const indexer = new LogIndexer(file).start();
    // The process runtime's container: it holds the file open for appending.
    const fd = openSync(file, 'a');
    const f = follow(file, { timestamps: true });
    writeSync(fd, 'before 1\nbefore 2\n');
    await until('the first lines', () => f.text().includes('before 2\n'));
    writeSync(fd, 'unsent\n');
    expect(await rotateContainerLog(file, { maxSizeBytes: 1, maxFiles: 3 })).toBe(true);
    expect(statSync(file).size).toBe(0);
    writeSync(fd, 'after 1\nafter 2\n');
    await until('the lines after the rotation', () => f.text().includes('after 2\n'));
    writeSync(fd, 'last');
    f.containerExited();
    await f.finished;
    closeSync(fd);
    indexer.stop();
    const lines = f.text().split('\n');
    expect(lines.map((l) => l.replace(/^\S+ /, ''))).toEqual(['before 1', 'before 2', 'unsent', 'after 1', 'after 2', 'last']);
    for (const l of lines) expect(Date.parse(l.split(' ')[0])).toBeGreaterThan(Date.now() - 60_000);
  });

  it('reopens the new file after a rename rotation (a CRI runtime)', async () => {
    const file = join(mkdtempSync(join(dir, 'cri-')), '0.log');
    const entry = (text: string) => `${new Date().toISOString()} stdout F ${text}\n`;
    let fd = openSync(file, 'a');
    const f = follow(file, { format: 'cri' });
    writeSync(fd, entry('before'));
    await until('the first line', () => f.text() === 'before\n');
    writeSync(fd, entry('unsent'));
    const reopen = async () => {
      // Still writing to the renamed file until the runtime reopens the path.
      writeSync(fd, entry('while renaming'));
      closeSync(fd);
      fd = openSync(file, 'a');
    };
    expect(await rotateContainerLog(file, { maxSizeBytes: 1, maxFiles: 3 }, { reopen })).toBe(true);
    writeSync(fd, entry('after'));
    await until('the line after the rotation', () => f.text().includes('after\n'));
    // A second rotation: the first rotated file is gzipped; the follower moves on again.
    expect(await rotateContainerLog(file, { maxSizeBytes: 1, maxFiles: 3 }, { reopen })).toBe(true);
    writeSync(fd, entry('after the second'));
    await until('the line after the second rotation', () => f.text().includes('after the second\n'));
    f.containerExited();
    await f.finished;
    closeSync(fd);
    expect(f.text()).toBe('before\nunsent\nwhile renaming\nafter\nwhile renaming\nafter the second\n');
  });
});
