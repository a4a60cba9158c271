import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useKubectlServer } from './harness.js';

// Debian's python3-kubernetes (the official client; .ci/run installs it), with Debian's own python.
const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./python/watch_configmaps.py', import.meta.url));
const INFORMER = fileURLToPath(new URL('./python/informer_configmaps.py', import.meta.url));

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

  it('a list-then-watch informer with a label selector keeps its cache right: an object relabelled out of the selector arrives as DELETED', async () => {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(PYTHON, [INFORMER, join(t.dir, 'config'), 'default'], { timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout))),
    );
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([
      { type: 'ADDED', name: 'py-first', team: 'py' },
      { type: 'MODIFIED', name: 'py-first', team: 'py' },
      // It left the selector: kube-apiserver sends DELETED with the object as it was.
      { type: 'DELETED', name: 'py-first', team: 'py' },
      { type: 'ADDED', name: 'py-second', team: 'py' },
      { type: 'DELETED', name: 'py-second', team: 'py' },
      { cache: [] },
    ]);
  });
});
