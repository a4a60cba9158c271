import type { Container, Probe } from '../pods/podSpec.js';
import { runHandler, type ProbeTarget } from './prober.js';
import { applyProbeResult, initialProbeState, nextProbeAt, probeTiming, type ProbeKind, type ProbeState } from './probeTracker.js';

export interface ContainerProbesOptions {
  container: Container;
  /** When this run of the container started (ms since the epoch). */
  startedAtMs: number;
  target: ProbeTarget;
  /** `ready` or `started` changed: the pod status needs computing again. */
  onChange(): void;
  /** A liveness or startup probe failed for good: the container must be restarted. */
  onFailed(kind: 'liveness' | 'startup', message: string): void;
  /** Every failed probe run, for events. */
  onProbeFailure?(kind: ProbeKind, message: string): void;
  /** What a previous agent knew about this run (adoption), so readiness does not flap. */
  initial?: { ready: boolean; started: boolean };
  now?: () => number;
}

interface Slot {
  kind: ProbeKind;
  probe: Probe;
  state: ProbeState;
  lastRunStartMs?: number;
  timer?: NodeJS.Timeout;
  running: boolean;
}

/**
 * The probes of one container run, each on its own timer set for the exact moment it is due, so a
 * verdict is reported as soon as the probe that decides it returns. Startup gates the others.
 */
export class ContainerProbes {
  private readonly slots = new Map<ProbeKind, Slot>();
  private stopped = false;
  private startedAtMs: number | undefined;
  private readonly now: () => number;

  constructor(private readonly opts: ContainerProbesOptions) {
    this.now = opts.now ?? Date.now;
    const c = opts.container;
    for (const [kind, probe] of [['startup', c.startupProbe], ['liveness', c.livenessProbe], ['readiness', c.readinessProbe]] as const) {
      if (probe) this.slots.set(kind, { kind, probe, state: initialProbeState(kind), running: false });
    }
    const startup = this.slots.get('startup');
    if (!startup || opts.initial?.started) {
      this.startedAtMs = opts.startedAtMs;
      if (startup) startup.state = { result: 'success', successes: 1, failures: 0 };
    }
    const readiness = this.slots.get('readiness');
    if (readiness && opts.initial?.ready) readiness.state = { result: 'success', successes: 1, failures: 0 };
    if (this.startedAtMs === undefined) this.schedule(startup!);
    else {
      for (const kind of ['liveness', 'readiness'] as const) {
        const slot = this.slots.get(kind);
        if (slot) this.schedule(slot);
      }
    }
  }

  /** The startup probe has passed (or there is none). */
  get started(): boolean {
    return this.startedAtMs !== undefined;
  }

  /** Started, and the readiness probe passes (or there is none). */
  get ready(): boolean {
    if (!this.started) return false;
    const readiness = this.slots.get('readiness');
    return !readiness || readiness.state.result === 'success';
  }

  stop(): void {
    this.stopped = true;
    for (const slot of this.slots.values()) if (slot.timer) clearTimeout(slot.timer);
  }

  private schedule(slot: Slot): void {
    if (this.stopped) return;
    const notBefore = slot.kind === 'startup' ? 0 : (this.startedAtMs ?? Infinity);
    const at = nextProbeAt(slot.probe, this.opts.startedAtMs, slot.lastRunStartMs, notBefore);
    slot.timer = setTimeout(() => void this.run(slot), Math.max(0, at - this.now()));
    slot.timer.unref();
  }

  private async run(slot: Slot): Promise<void> {
    if (this.stopped || slot.running) return;
    slot.running = true;
    slot.lastRunStartMs = this.now();
    const { timeoutMs } = probeTiming(slot.probe);
    const outcome = await runHandler(slot.probe, this.opts.target, timeoutMs);
    slot.running = false;
    if (this.stopped) return;
    const before = slot.state.result;
    slot.state = applyProbeResult(slot.state, outcome.ok, slot.probe);
    if (!outcome.ok) this.opts.onProbeFailure?.(slot.kind, outcome.message ?? 'probe failed');
    const after = slot.state.result;

    if (slot.kind === 'startup') {
      if (after === 'success') {
        this.startedAtMs = this.now();
        for (const kind of ['liveness', 'readiness'] as const) {
          const other = this.slots.get(kind);
          if (other) this.schedule(other);
        }
        this.opts.onChange();
        return; // a startup probe stops once it has passed
      }
      if (after === 'failure') {
        this.stop();
        this.opts.onFailed('startup', `Startup probe failed: ${outcome.message ?? ''}`.trim());
        return;
      }
    } else if (slot.kind === 'liveness' && after === 'failure') {
      this.stop();
      this.opts.onFailed('liveness', `Liveness probe failed: ${outcome.message ?? ''}`.trim());
      return;
    } else if (slot.kind === 'readiness' && before !== after) {
      this.opts.onChange();
    }
    this.schedule(slot);
  }
}
