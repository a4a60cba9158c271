import { spawn } from 'node:child_process';
import { bubblewrapArgs, nodeHostFs } from './bubblewrapArgs.js';
import { findExecutable } from './processRuntime.js';

export type IsolationRequest = 'auto' | 'bubblewrap' | 'none';

export interface IsolationDecision {
  mode: 'bubblewrap' | 'none';
  /** Shown on the Node's Isolated condition. */
  message: string;
  bwrapPath?: string;
  nsenterPath?: string;
}

function run(file: string, args: string[], timeoutMs: number): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (b: Buffer) => (output += b.toString()));
    child.stderr.on('data', (b: Buffer) => (output += b.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: -1, output: err.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output: output.trim() });
    });
  });
}

/**
 * Decides once, at start, whether pods run in bubblewrap sandboxes: by trying one exactly as a pod
 * would get it. `auto` falls back to plain processes (and says why); `bubblewrap` insists.
 */
export async function decideIsolation(requested: IsolationRequest): Promise<IsolationDecision> {
  if (requested === 'none') return { mode: 'none', message: 'isolation disabled by --isolation none; pods run as plain processes' };
  const bwrapPath = findExecutable('bwrap', process.env.PATH);
  const truePath = findExecutable('true', process.env.PATH) ?? '/bin/true';
  let reason: string;
  if (!bwrapPath) {
    reason = 'bubblewrap (bwrap) is not installed';
  } else {
    const args = [...bubblewrapArgs({ hostname: 'skiff-probe', mounts: [] }, nodeHostFs), '--', truePath];
    const res = await run(bwrapPath, args, 10_000);
    if (res.code === 0) {
      return {
        mode: 'bubblewrap',
        message: 'pods run in bubblewrap sandboxes: own pid, ipc and uts namespaces, read-only root, private /tmp',
        bwrapPath,
        nsenterPath: findExecutable('nsenter', process.env.PATH),
      };
    }
    reason = `bubblewrap does not work on this host: ${res.output || `exit code ${res.code}`}`;
  }
  if (requested === 'bubblewrap') throw new Error(`--isolation bubblewrap: ${reason}`);
  return { mode: 'none', message: `${reason}; pods run as plain processes` };
}
