import { describe, expect, it } from 'vitest';
import { cronJobCells, jobCells } from './batch.js';

const now = new Date('2026-01-01T10:10:00Z');
const job = (spec: Record<string, unknown>, status: Record<string, unknown> = {}, metadata: Record<string, unknown> = {}) => ({
  metadata: { name: 'j', creationTimestamp: '2026-01-01T10:00:00Z', ...metadata },
  spec: { template: { spec: { containers: [{ name: 'main', image: 'busybox' }, { name: 'side', image: 'nginx' }] } }, selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'u' } }, ...spec },
  status,
});
const cond = (type: string) => ({ conditions: [{ type, status: 'True' }] });

describe('kubectl get jobs cells', () => {
  it.each([
    ['running, 2 of 5 done', job({ completions: 5 }, { succeeded: 2, startTime: '2026-01-01T10:00:00Z' }), ['Running', '2/5', '10m']],
    ['complete in 95 s', job({ completions: 1 }, { succeeded: 1, startTime: '2026-01-01T10:00:00Z', completionTime: '2026-01-01T10:01:35Z', ...cond('Complete') }), ['Complete', '1/1', '95s']],
    ['failed', job({ completions: 1 }, { failed: 7, startTime: '2026-01-01T10:00:00Z', ...cond('Failed') }), ['Failed', '0/1', '10m']],
    ['a work queue with parallelism 3', job({ parallelism: 3 }), ['Running', '0/1 of 3', '']],
    ['a work queue with parallelism 1', job({ parallelism: 1 }), ['Running', '0/1', '']],
    ['suspended', job({ completions: 1 }, cond('Suspended')), ['Suspended', '0/1', '']],
    ['failing, pods still terminating', job({ completions: 1 }, cond('FailureTarget')), ['FailureTarget', '0/1', '']],
    ['being deleted', job({ completions: 1 }, {}, { deletionTimestamp: '2026-01-01T10:09:00Z' }), ['Terminating', '0/1', '']],
  ])('%s', (_, obj, want) => {
    expect(jobCells(obj, now).beforeAge).toEqual(want);
  });

  it('fills the wide columns from the template and the selector', () => {
    expect(jobCells(job({}), now).wide).toEqual(['main,side', 'busybox,nginx', 'batch.kubernetes.io/controller-uid=u']);
  });
});

describe('kubectl get cronjobs cells', () => {
  const cj = (spec: Record<string, unknown>, status: Record<string, unknown> = {}) => ({ metadata: { name: 'c' }, spec: { schedule: '*/1 * * * *', jobTemplate: { spec: { template: { spec: { containers: [{ name: 'm', image: 'busybox' }] } } } }, ...spec }, status });
  it.each([
    ['never run', cj({ suspend: false }), ['*/1 * * * *', '<none>', 'False', 0, '<none>']],
    ['in a time zone, suspended, one active', cj({ suspend: true, timeZone: 'Europe/Berlin' }, { active: [{ name: 'c-1' }], lastScheduleTime: '2026-01-01T10:09:00Z' }), ['*/1 * * * *', 'Europe/Berlin', 'True', 1, '60s']],
  ])('%s', (_, obj, want) => {
    expect(cronJobCells(obj, now).beforeAge).toEqual(want);
    expect(cronJobCells(obj, now).wide).toEqual(['m', 'busybox', '<none>']);
  });
});
