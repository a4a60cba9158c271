import { describe, expect, it } from 'vitest';
import { makePod } from '../testing/builders.js';
import { simulatedPodStatus } from './simulatedPods.js';

describe('simulatedPodStatus', () => {
  const now = new Date('2026-01-01T00:00:00Z');
  const pod = makePod('sim').init('setup').container('a').container('b').build();

  it('reports init containers completed and every container running and ready', () => {
    const s = simulatedPodStatus(pod, '127.100.0.1', '127.0.0.1', now);
    expect(s.phase).toBe('Running');
    expect(s.podIP).toBe('127.100.0.1');
    expect(s.initContainerStatuses?.[0].state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(s.containerStatuses.map((c) => [c.name, c.ready, c.started, !!c.state.running])).toEqual([['a', true, true, true], ['b', true, true, true]]);
    expect(s.conditions.every((c) => c.status === 'True')).toBe(true);
  });

  it('is stable: computed again later over what it reported, it is the same', () => {
    const first = simulatedPodStatus(pod, '127.100.0.1', '127.0.0.1', now);
    const again = simulatedPodStatus({ ...pod, status: first }, '127.100.0.1', '127.0.0.1', new Date('2026-01-01T01:00:00Z'));
    expect(again).toEqual(first);
  });
});
