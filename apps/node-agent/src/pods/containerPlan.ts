import { backoffEndsAt, backoffMessage, inBackoff, shouldRestart, type BackoffPolicy, type RestartPolicy } from './crashLoopBackoff.js';
import type { ContainerRecord } from './podRecord.js';
import { isSidecar, type Container, type PodRef, type PodSpec } from './podSpec.js';

/**
 * What a pod worker does next, as pure functions (kubelet's computePodActions): which containers
 * are due (init containers one at a time, in order, then sidecars and app containers together),
 * and for each, whether to start it now, wait, or leave it be.
 */

export interface ContainerFacts {
  running: boolean;
  /** Its startup probe passed (or it has none). */
  started: boolean;
  record?: ContainerRecord;
}

export interface DueContainer {
  container: Container;
  /** The restart policy that applies to it. */
  policy: RestartPolicy;
}

/**
 * The containers to look after now. Init containers run one at a time: each must succeed (a
 * sidecar, `restartPolicy: Always`, must have started) before the next is due; a failed one is
 * retried unless the pod's policy is Never. Once all are done, the app containers are due, beside
 * the sidecars, which keep restarting whatever the pod's policy.
 */
export function dueContainers(spec: PodSpec, facts: (name: string) => ContainerFacts): { due: DueContainer[]; initialized: boolean } {
  // Validation admits only these three.
  const podPolicy = (spec.restartPolicy ?? 'Always') as RestartPolicy;
  const due: DueContainer[] = [];
  for (const c of spec.initContainers ?? []) {
    const f = facts(c.name);
    if (isSidecar(c)) {
      due.push({ container: c, policy: 'Always' });
      if (f.running && f.started) continue;
      return { due, initialized: false };
    }
    if (!f.running && f.record?.current?.terminated?.exitCode === 0) continue;
    due.push({ container: c, policy: podPolicy === 'Never' ? 'Never' : 'OnFailure' });
    return { due, initialized: false };
  }
  for (const c of spec.containers) due.push({ container: c, policy: podPolicy });
  // Debugging containers (kubectl debug) run once, whatever the pod's policy.
  for (const c of spec.ephemeralContainers ?? []) due.push({ container: c, policy: 'Never' });
  return { due, initialized: true };
}

export type ContainerAction =
  /** Running, or finished for good under its restart policy. */
  | { action: 'none' }
  /** Never started, or due for a restart now. */
  | { action: 'start' }
  /** Crashed recently: restart when the back-off ends. */
  | { action: 'wait'; reason: 'CrashLoopBackOff'; message: string; untilMs: number };

export function planContainer(args: {
  name: string;
  facts: ContainerFacts;
  policy: RestartPolicy;
  backoff: BackoffPolicy;
  nowMs: number;
  pod: PodRef;
}): ContainerAction {
  const { facts, policy, nowMs } = args;
  if (facts.running) return { action: 'none' };
  const run = facts.record?.current;
  const finished = run?.terminated;
  if (!run || !finished) return { action: 'start' };
  if (!shouldRestart(policy, finished.exitCode)) return { action: 'none' };
  const entry = facts.record!.backoff;
  const finishedMs = run.finishedAtMs ?? Date.parse(finished.finishedAt);
  if (entry && inBackoff(entry, finishedMs, nowMs, args.backoff)) {
    return { action: 'wait', reason: 'CrashLoopBackOff', message: backoffMessage(entry.delayMs, args.name, args.pod), untilMs: backoffEndsAt(entry, finishedMs) };
  }
  return { action: 'start' };
}
