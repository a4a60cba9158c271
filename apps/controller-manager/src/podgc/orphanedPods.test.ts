import { describe, expect, it } from 'vitest';
import { makeDaemonPod } from '../testing/daemonBuilders.js';
import { planOrphanedPods } from './orphanedPods.js';

const NOW = new Date('2026-01-05T00:01:00Z');

describe('planOrphanedPods', () => {
  it.each([
    ['out of quarantine', [makeDaemonPod('a').on('gone').created('2026-01-05T00:00:00Z')], ['a'], undefined],
    ['still in quarantine', [makeDaemonPod('a').on('gone').created('2026-01-05T00:00:50Z')], [], 30_000],
    ['one of each', [makeDaemonPod('old').on('gone').created('2026-01-05T00:00:00Z'), makeDaemonPod('new').on('gone').created('2026-01-05T00:00:30Z')], ['old'], 10_000],
    ['already going with no grace left', [makeDaemonPod('a').on('gone').created('2026-01-05T00:00:00Z').deleting()], [], undefined],
  ])('%s', (_name, pods, want, next) => {
    const plan = planOrphanedPods(pods.map((p) => p.build()), NOW, 40_000);
    expect(plan.delete.map((p) => p.metadata?.name)).toEqual(want);
    expect(plan.nextInMs).toBe(next);
  });
});
