import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { finishedTime, isPodFailed, phaseOf } from './jobPods.js';

/** Kubernetes' DefaultJobPodFailureBackOff and MaxJobPodFailureBackOff. */
export const POD_FAILURE_BACKOFF_MS = 10_000;
export const MAX_POD_FAILURE_BACKOFF_MS = 360_000;

/**
 * How long the Job must still wait before creating a replacement pod: 10 s after the first of a
 * run of failures since the last success, doubling with each further failure, capped at 6 min,
 * counted from the last failure.
 *
 * Worked example: three pods failed after the last success, the last one 25 s ago: the delay is
 * 10 s * 2^(3-1) = 40 s, so 15 s remain. Kubernetes keeps this record in the controller's memory;
 * Skiff derives it from the Job's finished pods (they stay until the Job is deleted), so every
 * replica of the controller manager agrees and a restart forgets nothing.
 */
export function podCreationBackoffMs(job: Job, pods: readonly Pod[], now: Date): number {
  const finished = pods
    .filter((p) => phaseOf(p) === 'Succeeded' || isPodFailed(p, job))
    .map((p) => ({ failed: phaseOf(p) !== 'Succeeded', at: finishedTime(p) }))
    .sort((a, b) => a.at - b.at);
  let failures = 0;
  let lastFailure = 0;
  for (const f of finished) {
    if (!f.failed) {
      failures = 0;
      continue;
    }
    failures++;
    lastFailure = f.at;
  }
  if (failures === 0) return 0;
  const delay = Math.min(POD_FAILURE_BACKOFF_MS * 2 ** (failures - 1), MAX_POD_FAILURE_BACKOFF_MS);
  return Math.max(0, delay - (now.getTime() - lastFailure));
}
