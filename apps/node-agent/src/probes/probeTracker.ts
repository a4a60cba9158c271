import type { Probe } from '../pods/podSpec.js';

/**
 * Probe bookkeeping as kubelet's prober workers do it, as pure functions: a probe's verdict
 * changes only after `successThreshold` consecutive successes or `failureThreshold` consecutive
 * failures; a container's probes start `initialDelaySeconds` after it started and then run every
 * `periodSeconds`, measured from the start of the previous probe (so a slow probe does not make
 * the period drift).
 */

export type ProbeKind = 'liveness' | 'readiness' | 'startup';
export type ProbeResult = 'success' | 'failure' | 'unknown';

export interface ProbeState {
  result: ProbeResult;
  successes: number;
  failures: number;
}

/** Before the first probe, a container is live, not ready, and not known to have started. */
export function initialProbeState(kind: ProbeKind): ProbeState {
  return { result: kind === 'liveness' ? 'success' : kind === 'readiness' ? 'failure' : 'unknown', successes: 0, failures: 0 };
}

export function probeTiming(probe: Probe): { initialDelayMs: number; periodMs: number; timeoutMs: number; successThreshold: number; failureThreshold: number } {
  return {
    initialDelayMs: Math.max(0, probe.initialDelaySeconds ?? 0) * 1000,
    periodMs: Math.max(1, probe.periodSeconds ?? 10) * 1000,
    timeoutMs: Math.max(1, probe.timeoutSeconds ?? 1) * 1000,
    successThreshold: Math.max(1, probe.successThreshold ?? 1),
    failureThreshold: Math.max(1, probe.failureThreshold ?? 3),
  };
}

export function applyProbeResult(state: ProbeState, ok: boolean, probe: Probe): ProbeState {
  const t = probeTiming(probe);
  const successes = ok ? state.successes + 1 : 0;
  const failures = ok ? 0 : state.failures + 1;
  let result = state.result;
  if (ok && successes >= t.successThreshold) result = 'success';
  if (!ok && failures >= t.failureThreshold) result = 'failure';
  return { result, successes, failures };
}

/**
 * When a probe runs next (ms since the epoch). The first run is `initialDelaySeconds` after the
 * container started, or as soon as probing is allowed (`notBeforeMs`: liveness and readiness wait
 * for the startup probe), whichever is later; each later run one period after the previous began.
 * Example: started at 0, initialDelaySeconds 5, periodSeconds 10 -> 5000, then 15000, 25000, ...
 */
export function nextProbeAt(probe: Probe, containerStartedMs: number, lastRunStartMs: number | undefined, notBeforeMs = 0): number {
  const t = probeTiming(probe);
  if (lastRunStartMs === undefined) return Math.max(containerStartedMs + t.initialDelayMs, notBeforeMs);
  return Math.max(lastRunStartMs + t.periodMs, notBeforeMs);
}
