import { describe, expect, it } from 'vitest';
import type { Job } from 'kubernetes-types/batch/v1.js';
import { jobExpiry } from './jobExpiry.js';

const job = (ttl: number | undefined, conditions: { type: string; status: string; lastTransitionTime?: string }[], extra: Partial<Job['status']> = {}, deleting = false): Job => ({
  metadata: { name: 'j', ...(deleting ? { deletionTimestamp: '2026-01-01T10:05:00Z' } : {}) },
  spec: { template: {}, ...(ttl === undefined ? {} : { ttlSecondsAfterFinished: ttl }) },
  status: { conditions, ...extra },
});

describe('jobExpiry', () => {
  it.each([
    ['complete: completionTime + ttl', job(100, [{ type: 'Complete', status: 'True', lastTransitionTime: '2026-01-01T10:00:05Z' }], { completionTime: '2026-01-01T10:00:00Z' }), Date.parse('2026-01-01T10:01:40Z')],
    ['failed: the Failed transition + ttl', job(0, [{ type: 'Failed', status: 'True', lastTransitionTime: '2026-01-01T10:00:00Z' }]), Date.parse('2026-01-01T10:00:00Z')],
    ['no ttl', job(undefined, [{ type: 'Complete', status: 'True', lastTransitionTime: '2026-01-01T10:00:00Z' }]), undefined],
    ['still running', job(10, [{ type: 'SuccessCriteriaMet', status: 'True', lastTransitionTime: '2026-01-01T10:00:00Z' }]), undefined],
    ['already being deleted', job(10, [{ type: 'Failed', status: 'True', lastTransitionTime: '2026-01-01T10:00:00Z' }], {}, true), undefined],
  ])('%s', (_, j, want) => {
    expect(jobExpiry(j)).toBe(want);
  });
});
