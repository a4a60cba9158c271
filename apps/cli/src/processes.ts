import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { componentLogPolicy, openComponentLog } from './componentLog.js';

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
}

/** Finds a runnable app's entry point through its package (apps never import each other). */
export function appEntry(specifier: string): string {
  return fileURLToPath(import.meta.resolve(specifier));
}

/** Starts a TypeScript entry point under tsx, its output appended to `logFile` (0600, rotated by size: see componentLog.ts). */
export function startProcess(name: string, entry: string, args: string[], logFile: string, env: NodeJS.ProcessEnv = process.env): ManagedProcess {
  const log = openComponentLog(logFile, componentLogPolicy(process.env));
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    log.end();
    resolve(code);
  }));
  return { name, child, logFile, exited };
}

/** SIGTERM, then SIGKILL if the process has not gone after `graceMs`. */
export async function stopProcess(p: ManagedProcess, graceMs = 5000): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  await p.exited;
  clearTimeout(timer);
}

/** Waits until `check` resolves true, or throws after `timeoutMs`; `failFast` aborts early (e.g. the process died). */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, failFast?: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 25;
  for (;;) {
    const failure = failFast?.();
    if (failure) throw new Error(`${what}: ${failure}`);
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 250);
  }
}

/** The last lines of a component's log, for a message about why it died. */
export function logTail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
