import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from './processes.js';
import { Supervisor, type ComponentState } from './supervisor.js';

describe('Supervisor', () => {
  const dir = mkdtempSync(join(tmpdir(), 'skiff-supervisor-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('starts a component that keeps dying again with a doubling backoff, reports its crash loop, and stops it', async () => {
    const entry = join(dir, 'dies.mjs');
    writeFileSync(entry, "console.log('about to fail'); process.exit(3);\n");
    const lines: string[] = [];
    const loops: ComponentState[] = [];
    const supervisor = new Supervisor({ runDir: dir, logDir: dir, report: (l) => lines.push(l), onCrashLoop: (s) => loops.push(s) });
    supervisor.start({ name: 'dies', command: [entry], args: [], env: process.env });

    await waitFor('the third exit', async () => loops.length > 0, 30_000);
    expect(lines.filter((l) => l.startsWith('skiff: dies exited (code 3)')).map((l) => /in (\d+) s/.exec(l)?.[1])).toEqual(['1', '2', '4']);
    expect(lines.find((l) => l.includes('crash-looping'))).toMatch(/dies is crash-looping: it exited 3 times in 5 minutes \(last: code 3\)[^\n]*\n[\s\S]*about to fail/);
    expect(loops[0]).toMatchObject({ name: 'dies', restarts: 2, crashLooping: true, state: 'Waiting', lastExit: { code: 3, signal: null } });
    const file = JSON.parse(readFileSync(join(dir, 'components.json'), 'utf8')) as ComponentState[];
    expect(file).toEqual([expect.objectContaining({ name: 'dies', crashLooping: true, state: 'Waiting' })]);

    // Stopping while it waits: it is not started again.
    await supervisor.stop();
    const after = lines.length;
    await new Promise((r) => setTimeout(r, 4500));
    expect(lines.length).toBe(after);
    expect(supervisor.state('dies')).toMatchObject({ state: 'Stopped', pid: undefined });
  }, 40_000);
});
