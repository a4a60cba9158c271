import { describe, expect, it } from 'vitest';
import { unschedulableCondition } from './podScheduledCondition.js';
import { makePod } from './testing/builders.js';

const now = new Date('2025-02-03T04:05:06.789Z');

function withCondition(c: Record<string, unknown> | undefined) {
  const pod = makePod().build();
  if (c) pod.status = { phase: 'Pending', conditions: [{ type: 'PodScheduled', ...c }] };
  return pod;
}

describe('unschedulableCondition', () => {
  it.each<[string, Record<string, unknown> | undefined, string | undefined]>([
    ['no condition yet: written, transition now', undefined, '2025-02-03T04:05:06Z'],
    ['same message: nothing to write', { status: 'False', reason: 'Unschedulable', message: 'm', lastTransitionTime: '2020-01-01T00:00:00Z' }, undefined],
    ['another message: written, transition kept', { status: 'False', reason: 'Unschedulable', message: 'old', lastTransitionTime: '2020-01-01T00:00:00Z' }, '2020-01-01T00:00:00Z'],
    ['was True: written, transition now', { status: 'True', lastTransitionTime: '2020-01-01T00:00:00Z' }, '2025-02-03T04:05:06Z'],
  ])('%s', (_name, existing, transition) => {
    const c = unschedulableCondition(withCondition(existing), 'm', now);
    if (transition === undefined) expect(c).toBeUndefined();
    else expect(c).toEqual({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: 'm', lastTransitionTime: transition });
  });
});
