import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { logTail, startProcess, stopProcess, type ManagedProcess } from './processes.js';
import { CRASH_LOOP, isCrashLooping, nextRestartDelay, recentRestarts, RESTART_BACKOFF } from './restartPolicy.js';

export interface ComponentSpec {
  name: string;
  /** Node's arguments that run the component (see componentCommand). */
  command: string[];
  args: string[];
  env: NodeJS.ProcessEnv;
  /** How long a stop waits for the component before SIGKILL (node agents stop their pods first). */
  stopGraceMs?: number;
  /** Stopped, and waited for, before the others: it still needs the API server to stop (the simulated nodes delete their Nodes). */
  stopsFirst?: boolean;
}

/** One component as DIR/run/components.json shows it. */
export interface ComponentState {
  name: string;
  /** Running; Waiting (to be started again after a crash); Stopped (skiff up is stopping). */
  state: 'Running' | 'Waiting' | 'Stopped';
  pid?: number;
  startedAt?: string;
  /** Starts after the first. */
  restarts: number;
  crashLooping: boolean;
  lastExit?: { code: number | null; signal: string | null; at: string };
  /** When a Waiting component starts again. */
  nextStartAt?: string;
  logFile: string;
}

export interface SupervisorOptions {
  runDir: string;
  logDir: string;
  /** One line for the user (skiff up's output). */
  report(line: string): void;
  /** A component started crash-looping (also reported). */
  onCrashLoop?(state: ComponentState, message: string): void;
}

/** What the supervisor keeps of one component between its runs. */
interface Supervised {
  spec: ComponentSpec;
  state: ComponentState;
  process?: ManagedProcess;
  delayMs?: number;
  restartTimesMs: number[];
  timer?: NodeJS.Timeout;
  /** Fires after a minute of running: the backoff starts over and a crash loop is over. */
  stableTimer?: NodeJS.Timeout;
}

/**
 * Runs `skiff up`'s components and starts any that dies again, the API server and node agents
 * included, as the kubelet restarts static pods (backoff in restartPolicy.ts). A node agent started
 * again adopts the pods it left running. Each component's pid is in DIR/run/NAME.pid and the
 * state of all of them in DIR/run/components.json.
 */
export class Supervisor {
  private readonly components = new Map<string, Supervised>();
  private stopping = false;

  constructor(private readonly opts: SupervisorOptions) {}

  start(spec: ComponentSpec): void {
    const c: Supervised = { spec, state: { name: spec.name, state: 'Waiting', restarts: 0, crashLooping: false, logFile: join(this.opts.logDir, `${spec.name}.log`) }, restartTimesMs: [] };
    this.components.set(spec.name, c);
    this.launch(c);
  }

  state(name: string): ComponentState | undefined {
    const c = this.components.get(name);
    return c && { ...c.state };
  }

  states(): ComponentState[] {
    return [...this.components.values()].map((c) => ({ ...c.state }));
  }

  /**
   * Stops every component at once (each gets SIGTERM, then SIGKILL after its grace), those that
   * stop first before the rest, and starts none again. Safe to call twice.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    const all = [...this.components.values()];
    for (const c of all) {
      clearTimeout(c.timer);
      clearTimeout(c.stableTimer);
    }
    const stopAll = (group: Supervised[]) => Promise.all(group.map((c) => (c.process ? stopProcess(c.process, c.spec.stopGraceMs) : undefined)));
    await stopAll(all.filter((c) => c.spec.stopsFirst));
    await stopAll(all.filter((c) => !c.spec.stopsFirst));
    for (const c of all) {
      c.state = { ...c.state, state: 'Stopped', pid: undefined, nextStartAt: undefined };
    }
    this.write();
  }

  private launch(c: Supervised): void {
    const { spec } = c;
    const p = startProcess(spec.name, spec.command, spec.args, c.state.logFile, spec.env);
    const restarts = c.state.startedAt ? c.state.restarts + 1 : 0;
    c.process = p;
    const startedAtMs = Date.now();
    c.state = { ...c.state, state: 'Running', pid: p.child.pid, restarts, startedAt: new Date(startedAtMs).toISOString(), nextStartAt: undefined };
    writeFileSync(join(this.opts.runDir, `${spec.name}.pid`), `${p.child.pid}\n`);
    this.write();
    c.stableTimer = setTimeout(() => {
      if (!c.state.crashLooping) return;
      c.state = { ...c.state, crashLooping: false };
      this.opts.report(`skiff: ${spec.name} has run for ${RESTART_BACKOFF.resetAfterMs / 1000} s; no longer crash-looping`);
      this.write();
    }, RESTART_BACKOFF.resetAfterMs);
    c.stableTimer.unref();
    void p.exited.then((code) => {
      clearTimeout(c.stableTimer);
      c.process = undefined;
      if (this.stopping) return;
      const now = Date.now();
      c.delayMs = nextRestartDelay(c.delayMs, now - startedAtMs);
      c.restartTimesMs = [...recentRestarts(c.restartTimesMs, now), now];
      const wasLooping = c.state.crashLooping;
      c.state = {
        ...c.state,
        state: 'Waiting',
        pid: undefined,
        lastExit: { code, signal: p.child.signalCode, at: new Date(now).toISOString() },
        nextStartAt: new Date(now + c.delayMs).toISOString(),
        crashLooping: isCrashLooping(c.restartTimesMs, now),
      };
      const how = code !== null ? `code ${code}` : `signal ${p.child.signalCode}`;
      this.opts.report(`skiff: ${spec.name} exited (${how}); starting it again in ${c.delayMs / 1000} s (log: ${c.state.logFile})`);
      if (c.state.crashLooping && !wasLooping) {
        const message = `${spec.name} is crash-looping: it exited ${c.restartTimesMs.length} times in ${CRASH_LOOP.windowMs / 60_000} minutes (last: ${how}); see ${c.state.logFile}`;
        this.opts.report(`skiff: ${message}\n${logTail(c.state.logFile)}`);
        this.opts.onCrashLoop?.({ ...c.state }, message);
      }
      this.write();
      // Not unref'd: while every component waits to start again, this timer keeps skiff up alive.
      c.timer = setTimeout(() => {
        if (!this.stopping) this.launch(c);
      }, c.delayMs);
    });
  }

  private write(): void {
    try {
      writeFileSync(join(this.opts.runDir, 'components.json'), JSON.stringify(this.states(), null, 2) + '\n');
    } catch (err) {
      this.opts.report(`skiff: cannot write ${join(this.opts.runDir, 'components.json')}: ${(err as Error).message}`);
    }
  }
}
