import { formatGoDuration } from '../time.js';

/**
 * Kubelet's container restart backoff (client-go flowcontrol.Backoff keyed by container): the
 * first restart after a crash is immediate; each later one waits twice as long as the one before,
 * up to the cap; a container that stayed up for twice the cap starts over.
 *
 * With base 10s and cap 300s a container that crashes at once every time starts at
 * t=0, crashes, restarts at once (entry: 10s), crashes, waits 10s (entry: 20s), waits 20s, 40s,
 * 80s, 160s, then 300s for every restart after that.
 */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
}

export interface BackoffEntry {
  /** The wait before the next restart. */
  delayMs: number;
  /** When the entry last grew (ms since the epoch): the time of the last restart. */
  lastUpdateMs: number;
}

function expired(entry: BackoffEntry, atMs: number, policy: BackoffPolicy): boolean {
  return atMs - entry.lastUpdateMs > 2 * policy.maxMs;
}

/** Whether a container that finished at `finishedAtMs` must still wait at `nowMs` (IsInBackOffSince). */
export function inBackoff(entry: BackoffEntry | undefined, finishedAtMs: number, nowMs: number, policy: BackoffPolicy): boolean {
  if (!entry || expired(entry, nowMs, policy)) return false;
  return nowMs - finishedAtMs < entry.delayMs;
}

/** When the wait of a container that finished at `finishedAtMs` ends. */
export function backoffEndsAt(entry: BackoffEntry, finishedAtMs: number): number {
  return finishedAtMs + entry.delayMs;
}

/** The entry after a restart at `nowMs` (Next): the base delay for a fresh or expired entry, else double, capped. */
export function nextBackoff(entry: BackoffEntry | undefined, nowMs: number, policy: BackoffPolicy): BackoffEntry {
  if (!entry || expired(entry, nowMs, policy)) return { delayMs: policy.baseMs, lastUpdateMs: nowMs };
  return { delayMs: Math.min(entry.delayMs * 2, policy.maxMs), lastUpdateMs: nowMs };
}

/** Kubelet's CrashLoopBackOff message: `back-off 20s restarting failed container=web pod=web-abc12_default(uid)`. */
export function backoffMessage(delayMs: number, container: string, pod: { name: string; namespace: string; uid: string }): string {
  return `back-off ${formatGoDuration(delayMs)} restarting failed container=${container} pod=${pod.name}_${pod.namespace}(${pod.uid})`;
}

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

/** Whether a container that exited with `exitCode` is started again under `policy`. */
export function shouldRestart(policy: RestartPolicy, exitCode: number): boolean {
  if (policy === 'Always') return true;
  if (policy === 'OnFailure') return exitCode !== 0;
  return false;
}
