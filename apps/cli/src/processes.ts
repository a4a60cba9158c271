import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { componentLogPolicy, openComponentLog } from './componentLog.js';

export interface ManagedProcess {
  name: string;
  child: ChildProcess;
  logFile: string;
  exited: Promise<number | null>;
  /** Settles once the process's output (both pipes, whoever holds them) is all in its log file. */
  logClosed: Promise<void>;
}

/** Defined (true) in the compiled bundles of dist/ (scripts/build.mjs); undeclared when running from source. */
declare const SKIFF_BUNDLED: boolean | undefined;

/**
 * Node's arguments that run an app (`apiserver`, `node-agent`, ...) the way this CLI runs: its
 * compiled bundle beside this one (dist/APP.js) when the CLI is a bundle, else its TypeScript
 * entry point, found through its package's `./main` export (apps never import each other), under tsx.
 */
export function componentCommand(app: string): string[] {
  if (typeof SKIFF_BUNDLED !== 'undefined') return ['--enable-source-maps', join(import.meta.dirname, `${app}.js`)];
  return ['--import', 'tsx', fileURLToPath(import.meta.resolve(COMPONENT_SOURCES[app] ?? `@skiff/${app}/main`))];
}

/** Components whose entry point is not their own app's `./main` (each is also a bundle: scripts/build.mjs). */
const COMPONENT_SOURCES: Record<string, string> = { 'simulated-nodes': '@skiff/node-agent/simulate' };

/** Starts `node ...command ...args`, its output appended to `logFile` (0600, rotated by size: see componentLog.ts). */
export function startProcess(name: string, command: string[], args: string[], logFile: string, env: NodeJS.ProcessEnv = process.env): ManagedProcess {
  const log = openComponentLog(logFile, componentLogPolicy(process.env));
  const child = spawn(process.execPath, [...command, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  // 'exit' may come before the pipes have delivered the last output: the log ends when both pipes
  // have closed, so no line written just before exiting is lost.
  const pipes = [child.stdout, child.stderr].filter((s) => s !== null);
  let open = pipes.length;
  for (const pipe of pipes) {
    pipe.pipe(log, { end: false });
    pipe.once('close', () => {
      if (--open === 0) log.end();
    });
  }
  const logClosed = new Promise<void>((resolve) => log.once('finish', () => resolve()).once('error', () => resolve()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    // A descendant that kept the pipes open must not hold the log open for ever.
    setTimeout(() => pipes.forEach((p) => p.destroy()), 5_000).unref();
    resolve(code);
  }));
  return { name, child, logFile, exited, logClosed };
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
