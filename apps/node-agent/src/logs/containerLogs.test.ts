import { appendFileSync, closeSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { followLog, LogIndexer, parseCriLogLine, readLog, rfc3339Nano, timeOfOffset, type ReadAt } from './containerLogs.js';
import { rotateContainerLog } from './logRotation.js';

describe('timeOfOffset', () => {
  const index = [
    { size: 10, ms: 1000 },
    { size: 25, ms: 2000 },
    { size: 40, ms: 3000 },
  ];
  it.each([
    [5, 1000],
    [10, 1000],
    [11, 2000],
    [40, 3000],
    [41, 9999],
  ])('a line ending at %i was seen at %i', (end, ms) => {
    expect(timeOfOffset(index, end, 9999)).toBe(ms);
  });
});

describe('readLog', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-logs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, '0.log');
  // three lines: "one\n" (0-4) written at t=1000, "two\n" "three\n" (4-14) at t=2000
  writeFileSync(file, 'one\ntwo\nthree\n');
  writeFileSync(`${file}.idx`, '4 1000\n14 2000\n');
  const text = (q: Parameters<typeof readLog>[1], now = 3000) => readLog(file, q, now).data.toString();

  it.each([
    ['everything', {}, 'one\ntwo\nthree\n'],
    ['the last line', { tailLines: 1 }, 'three\n'],
    ['the last two lines', { tailLines: 2 }, 'two\nthree\n'],
    ['more lines than there are', { tailLines: 10 }, 'one\ntwo\nthree\n'],
    ['no lines', { tailLines: 0 }, ''],
    ['a byte limit', { limitBytes: 5 }, 'one\nt'],
    ['timestamps', { timestamps: true, tailLines: 2 }, `${rfc3339Nano(2000)} two\n${rfc3339Nano(2000)} three\n`],
    ['lines from the last 1.5s', { sinceSeconds: 1.5 }, 'two\nthree\n'],
  ] as [string, Parameters<typeof readLog>[1], string][])('%s', (_n, q, expected) => {
    expect(text(q)).toBe(expected);
  });

  it('counts a last line without a newline as a line', () => {
    const f = join(dir, 'partial.log');
    writeFileSync(f, 'a\nb\nc');
    expect(readLog(f, { tailLines: 2 }).data.toString()).toBe('b\nc');
    appendFileSync(f, '\n');
    expect(readLog(f, { tailLines: 1 }).data.toString()).toBe('c\n');
  });

  it('reads a missing file as empty', () => {
    expect(readLog(join(dir, 'nope.log'), {}).data.length).toBe(0);
  });
});

describe('CRI log format', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-crilogs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, '0.log');
  writeFileSync(
    file,
    [
      '2026-01-01T00:00:01.000000001Z stdout F hello',
      '2026-01-01T00:00:02.000000000Z stderr P par',
      '2026-01-01T00:00:02.500000000Z stderr F tial',
      '2026-01-01T00:00:03.000000000Z stdout F ',
      '2026-01-01T00:00:04.000000000Z stdout F last line',
      '',
    ].join('\n'),
  );

  it('parses a line into time, stream, tag and text', () => {
    expect(parseCriLogLine(Buffer.from('2026-01-01T00:00:01Z stdout F a b c\n'))).toEqual({ time: '2026-01-01T00:00:01Z', stream: 'stdout', partial: false, content: Buffer.from('a b c') });
    expect(parseCriLogLine(Buffer.from('2026-01-01T00:00:01Z stderr P \n'))).toMatchObject({ stream: 'stderr', partial: true, content: Buffer.alloc(0) });
    expect(parseCriLogLine(Buffer.from('not a cri line\n'))).toBeUndefined();
  });

  it('shows the text with partial lines joined', () => {
    expect(readLog(file, { format: 'cri' }).data.toString()).toBe('hello\npartial\n\nlast line\n');
  });

  it('adds the runtime timestamps and filters by sinceSeconds', () => {
    const now = Date.parse('2026-01-01T00:00:05Z');
    expect(readLog(file, { format: 'cri', timestamps: true, sinceSeconds: 2 }, now).data.toString()).toBe('2026-01-01T00:00:03.000000000Z \n2026-01-01T00:00:04.000000000Z last line\n');
  });

  it('tails whole entries', () => {
    expect(readLog(file, { format: 'cri', tailLines: 1 }).data.toString()).toBe('last line\n');
  });
});

describe('reading the end of a large log', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-biglog-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // 24 MiB: 300,000 lines of 80 bytes, "line <n>" padded, written in 1 MiB pieces.
  const LINES = 300_000;
  const line = (i: number) => `line ${i}`.padEnd(79, '.') + '\n';
  const raw = join(dir, 'raw.log');
  const cri = join(dir, 'cri.log');
  const fdRaw = openSync(raw, 'w');
  const fdCri = openSync(cri, 'w');
  for (let i = 1; i <= LINES; ) {
    let piece = '';
    let criPiece = '';
    for (let k = 0; k < 13_000 && i <= LINES; k++, i++) {
      piece += line(i);
      criPiece += `2026-01-01T00:00:00.${String(i).padStart(9, '0')}Z stdout F ${line(i)}`;
    }
    writeSync(fdRaw, piece);
    writeSync(fdCri, criPiece);
  }
  closeSync(fdRaw);
  closeSync(fdCri);

  function counting(): { read: ReadAt; bytes: () => number } {
    let bytes = 0;
    return {
      read: (fd, buf, offset, length, position) => {
        const n = readSync(fd, buf, offset, length, position);
        bytes += n;
        return n;
      },
      bytes: () => bytes,
    };
  }

  it('tails N lines reading a bounded amount from the end', () => {
    expect(statSync(raw).size).toBe(LINES * 80);
    const r = counting();
    const { data, end } = readLog(raw, { tailLines: 10 }, Date.now(), r.read);
    expect(data.toString()).toBe(Array.from({ length: 10 }, (_, k) => line(LINES - 9 + k)).join(''));
    expect(end).toBe(LINES * 80);
    // One 64 KiB block back to find the lines, the 800 bytes forward again.
    expect(r.bytes()).toBeLessThanOrEqual(2 * 64 * 1024);
  });

  it('tails more lines than one block holds', () => {
    const r = counting();
    const { data } = readLog(raw, { tailLines: 2000 }, Date.now(), r.read);
    const got = data.toString().split('\n');
    expect([got.length - 1, got[0], got.at(-2)]).toEqual([2000, line(LINES - 1999).trimEnd(), line(LINES).trimEnd()]);
    expect(r.bytes()).toBeLessThanOrEqual(2 * (2000 * 80 + 64 * 1024));
  });

  it('stops at limitBytes without reading on', () => {
    const r = counting();
    const { data } = readLog(raw, { limitBytes: 100 }, Date.now(), r.read);
    expect(data.toString()).toBe((line(1) + line(2)).slice(0, 100));
    expect(r.bytes()).toBeLessThanOrEqual(64 * 1024);
  });

  it('tails CRI entries with their timestamps, reading a bounded amount', () => {
    const r = counting();
    const { data } = readLog(cri, { format: 'cri', tailLines: 3, timestamps: true }, Date.now(), r.read);
    expect(data.toString()).toBe([LINES - 2, LINES - 1, LINES].map((i) => `2026-01-01T00:00:00.${String(i).padStart(9, '0')}Z ${line(i)}`).join(''));
    expect(r.bytes()).toBeLessThanOrEqual(2 * 64 * 1024);
  });
});

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
