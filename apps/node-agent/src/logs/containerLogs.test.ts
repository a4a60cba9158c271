import { appendFileSync, closeSync, mkdtempSync, openSync, readSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCriLogLine, readLog, rfc3339Nano, timeOfOffset, type ReadAt } from './containerLogs.js';

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
