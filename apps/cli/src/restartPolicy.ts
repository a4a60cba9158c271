/**
 * How `skiff up` restarts a component that dies, as the kubelet restarts a static pod: after 1 s,
 * doubling to 30 s; a run that lasted a minute starts the count over. Pure, so the arithmetic is
 * tested on its own.
 */
export const RESTART_BACKOFF = { initialMs: 1000, maxMs: 30_000, resetAfterMs: 60_000 };

/** Restarts within this window that make a component crash-looping (reported in the output and as an Event). */
export const CRASH_LOOP = { restarts: 3, windowMs: 5 * 60_000 };

/**
 * The wait before the next start of a component whose run lasted `ranMs`, given the wait before
 * this run (undefined: first exit).
 *
 * Worked example: a component that dies at once waits 1 s, 2 s, 4 s, 8 s, 16 s, 30 s, 30 s...;
 * one that then runs for 61 s before dying waits 1 s again.
 */
export function nextRestartDelay(previousDelayMs: number | undefined, ranMs: number): number {
  if (previousDelayMs === undefined || ranMs >= RESTART_BACKOFF.resetAfterMs) return RESTART_BACKOFF.initialMs;
  return Math.min(previousDelayMs * 2, RESTART_BACKOFF.maxMs);
}

/** The restart times still inside the crash-loop window at `nowMs`. */
export function recentRestarts(restartTimesMs: number[], nowMs: number): number[] {
  return restartTimesMs.filter((t) => nowMs - t < CRASH_LOOP.windowMs);
}

/** A component restarted CRASH_LOOP.restarts times or more within the window is crash-looping. */
export function isCrashLooping(restartTimesMs: number[], nowMs: number): boolean {
  return recentRestarts(restartTimesMs, nowMs).length >= CRASH_LOOP.restarts;
}
