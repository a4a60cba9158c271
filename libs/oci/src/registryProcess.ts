import { spawn, type ChildProcess } from 'node:child_process';
import type { WriteStream } from 'node:fs';
import { HostToolError } from './hostToolError.js';

/** How a launch ended before the registry was serving. */
export type LaunchFailure =
  | { kind: 'exited'; code: number | null; signal: NodeJS.Signals | null; output: string }
  | { kind: 'missing-binary'; error: Error }
  | { kind: 'timeout'; output: string };

/** Only the tail is kept to quote in errors; the whole output goes to the log file. */
const KEPT_OUTPUT = 16 * 1024;

/**
 * One `docker-registry serve` child with its output copied to the log. Readiness comes from the
 * registry's own "listening on" line, printed only after its bind succeeded: an HTTP answer on
 * the port alone could come from another process that took the port first.
 *
 * Output is piped through this process rather than handed the log's descriptor, so the registry
 * dies of SIGPIPE when whatever started it dies without calling stop().
 */
export class RegistryProcess {
  private output = '';
  private readonly closed: Promise<void>;
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private spawnError: Error | undefined;

  private constructor(private readonly child: ChildProcess) {
    this.closed = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        this.exit = { code, signal };
        resolve();
      });
      child.once('error', (error) => {
        this.spawnError = error;
        // A child that never started emits no 'close'.
        if (child.pid === undefined) resolve();
      });
    });
  }

  static launch(binary: string, configPath: string, log: WriteStream, env: NodeJS.ProcessEnv): RegistryProcess {
    const child = spawn(binary, ['serve', configPath], { stdio: ['ignore', 'pipe', 'pipe'], env });
    const registry = new RegistryProcess(child);
    for (const stream of [child.stdout, child.stderr]) {
      stream?.on('data', (chunk: Buffer) => {
        log.write(chunk);
        registry.output = (registry.output + chunk.toString('utf8')).slice(-KEPT_OUTPUT);
      });
    }
    return registry;
  }

  get exited(): boolean {
    return this.exit !== undefined || this.spawnError !== undefined;
  }

  /** Resolves when the registry printed that it listens, or with why it never will. */
  async listening(deadline: number): Promise<'listening' | LaunchFailure> {
    const pattern = /msg="listening on /;
    if (pattern.test(this.output)) return 'listening';
    const seen = new Promise<'listening'>((resolve) => {
      const onData = () => {
        if (!pattern.test(this.output)) return;
        this.child.stdout?.off('data', onData);
        this.child.stderr?.off('data', onData);
        resolve('listening');
      };
      this.child.stdout?.on('data', onData);
      this.child.stderr?.on('data', onData);
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()));
    });
    const outcome = await Promise.race([seen, this.closed.then(() => 'closed' as const), timedOut]);
    clearTimeout(timer);
    if (outcome === 'listening') return outcome;
    if (outcome === 'timeout') return { kind: 'timeout', output: this.output };
    if (this.spawnError !== undefined) return { kind: 'missing-binary', error: this.spawnError };
    return { kind: 'exited', code: this.exit?.code ?? null, signal: this.exit?.signal ?? null, output: this.output };
  }

  /** SIGTERM, then SIGKILL if it is still there after `graceMs`; resolves once it is gone. */
  async stop(graceMs = 5_000): Promise<void> {
    if (this.exited) return this.closed;
    this.child.kill('SIGTERM');
    const kill = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.closed;
    clearTimeout(kill);
  }
}

/** The error for a spawn that failed, naming the package when the binary is not installed. */
export function missingBinaryError(binary: string, error: Error): Error {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
    return new HostToolError('docker-registry', 'docker-registry', `${binary} was not found`);
  }
  return error;
}
