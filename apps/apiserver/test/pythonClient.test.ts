import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useKubectlServer } from './harness.js';

// Debian's python3-kubernetes (the official client; .ci/run installs it), with Debian's own python.
const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./python/watch_configmaps.py', import.meta.url));

describe('the official Python client', () => {
  const t = useKubectlServer('skiff-python-');

  it('kubernetes.watch.Watch().stream sees ADDED, MODIFIED and DELETED', async () => {
    expect(existsSync(PYTHON)).toBe(true);
    const out = await new Promise<string>((resolve, reject) =>
      execFile(PYTHON, [SCRIPT, join(t.dir, 'config'), 'default', 'py-watched'], { timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout))),
    );
    const events = out.trim().split('\n').map((l) => JSON.parse(l) as { type: string; name: string; data?: Record<string, string> }).filter((e) => e.name === 'py-watched');
    expect(events).toEqual([
      { type: 'ADDED', name: 'py-watched', data: { v: '1' } },
      { type: 'MODIFIED', name: 'py-watched', data: { v: '2' } },
      { type: 'DELETED', name: 'py-watched', data: { v: '2' } },
    ]);
  });
});
