import { describe, expect, it } from 'vitest';
import type { Probe } from '../pods/podSpec.js';
import { applyProbeResult, initialProbeState, nextProbeAt, type ProbeKind, type ProbeState } from './probeTracker.js';

function run(kind: ProbeKind, probe: Probe, results: boolean[]): string[] {
  let s: ProbeState = initialProbeState(kind);
  return results.map((ok) => (s = applyProbeResult(s, ok, probe)).result);
}

describe('probe thresholds', () => {
  it.each([
    ['readiness starts failing and passes on the first success', 'readiness', {}, [true], ['success']],
    ['liveness fails after three failures in a row', 'liveness', {}, [false, false, false], ['success', 'success', 'failure']],
    ['a success in between resets the count', 'liveness', {}, [false, false, true, false, false], ['success', 'success', 'success', 'success', 'success']],
    ['failureThreshold 1 fails at once', 'readiness', { failureThreshold: 1 }, [true, false], ['success', 'failure']],
    ['successThreshold 2 needs two in a row', 'readiness', { successThreshold: 2 }, [true, false, true, true], ['failure', 'failure', 'failure', 'success']],
    ['startup stays unknown until it passes or fails', 'startup', { failureThreshold: 2 }, [false, false], ['unknown', 'failure']],
  ] as [string, ProbeKind, Probe, boolean[], string[]][])('%s', (_n, kind, probe, results, expected) => {
    expect(run(kind, probe, results)).toEqual(expected);
  });
});

describe('nextProbeAt', () => {
  it.each([
    ['first run after the initial delay', { initialDelaySeconds: 5 }, 1000, undefined, 0, 6000],
    ['first run at once without a delay', {}, 1000, undefined, 0, 1000],
    ['then one period after the previous run began', { periodSeconds: 10 }, 0, 4000, 0, 14_000],
    ['periods default to 10s', {}, 0, 100, 0, 10_100],
    ['not before the startup probe passed', { initialDelaySeconds: 1 }, 0, undefined, 7000, 7000],
  ] as [string, Probe, number, number | undefined, number, number][])('%s', (_n, probe, started, last, notBefore, expected) => {
    expect(nextProbeAt(probe, started, last, notBefore)).toBe(expected);
  });
});
