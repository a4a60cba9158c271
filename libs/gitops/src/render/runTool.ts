import { spawn } from 'node:child_process';

export interface RunToolOptions {
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  /** stdout beyond this many bytes stops the tool: a render that large is a runaway template. */
  maxOutputBytes: number;
}

export type RunToolResult = { ok: true; stdout: string } | { ok: false; stderr: string; reason: string };

/** Runs one rendering tool to completion, with a deadline and an output cap; never throws. */
export function runTool(command: string, args: readonly string[], opts: RunToolOptions): Promise<RunToolResult> {
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      resolve({ ok: false, stderr: '', reason: `cannot start ${command}: ${(err as Error).message}` });
      return;
    }
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    let errBytes = 0;
    let stopped: string | undefined;
    const stop = (why: string) => {
      if (stopped) return;
      stopped = why;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop(`timed out after ${opts.timeoutMs} ms`), opts.timeoutMs);
    child.stdout.on('data', (b: Buffer) => {
      outBytes += b.length;
      if (outBytes > opts.maxOutputBytes) stop(`output exceeded ${opts.maxOutputBytes} bytes`);
      else out.push(b);
    });
    child.stderr.on('data', (b: Buffer) => {
      if (errBytes < 64 * 1024) err.push(b);
      errBytes += b.length;
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ ok: false, stderr: '', reason: `cannot start ${command}: ${e.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString('utf8');
      if (stopped) resolve({ ok: false, stderr, reason: stopped });
      else if (code !== 0) resolve({ ok: false, stderr, reason: `exit ${code ?? signal}` });
      else resolve({ ok: true, stdout: Buffer.concat(out).toString('utf8') });
    });
  });
}
