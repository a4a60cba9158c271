import type { Job } from 'kubernetes-types/batch/v1.js';

/**
 * When a finished Job with ttlSecondsAfterFinished may be deleted (ms since the epoch): its
 * finish time (completionTime, or the terminal condition's transition) plus the TTL. Undefined
 * for a Job without a TTL, not finished, or already being deleted.
 *
 * Example: completed at 10:00:00 with ttlSecondsAfterFinished 100: deleted from 10:01:40 on.
 */
export function jobExpiry(job: Job): number | undefined {
  const ttl = job.spec?.ttlSecondsAfterFinished;
  if (ttl === undefined || ttl === null || job.metadata?.deletionTimestamp) return undefined;
  const finished = job.status?.conditions?.find((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
  if (!finished) return undefined;
  const at = Date.parse((finished.type === 'Complete' ? job.status?.completionTime : undefined) ?? finished.lastTransitionTime ?? '');
  return Number.isNaN(at) ? undefined : at + ttl * 1000;
}
