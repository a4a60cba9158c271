import { describe, expect, it } from 'vitest';
import { makePod, record } from '../testing/builders.js';
import { dueContainers, planContainer, type ContainerFacts } from './containerPlan.js';
import { podSpec } from './podSpec.js';
import type { ContainerRecord } from './podRecord.js';

const notStarted: ContainerFacts = { running: false, started: false };
const running: ContainerFacts = { running: true, started: true };
const runningNotStarted: ContainerFacts = { running: true, started: false };
const exited = (code: number): ContainerFacts => ({ running: false, started: false, record: record('x', code) });

describe('dueContainers', () => {
  const spec = podSpec(makePod().init('a').init('side', { restartPolicy: 'Always' }).init('b').container('web').container('log').build());
  const names = (facts: Record<string, ContainerFacts>, s = spec) => {
    const r = dueContainers(s, (n) => facts[n] ?? notStarted);
    return [r.due.map((d) => `${d.container.name}:${d.policy}`), r.initialized];
  };

  it.each([
    ['nothing ran: the first init container', {}, [['a:OnFailure'], false]],
    ['first init running: still it', { a: running }, [['a:OnFailure'], false]],
    ['first init failed: it again', { a: exited(1) }, [['a:OnFailure'], false]],
    ['first done: the sidecar', { a: exited(0) }, [['side:Always'], false]],
    ['sidecar running, not started yet: wait for it', { a: exited(0), side: runningNotStarted }, [['side:Always'], false]],
    ['sidecar started: the next init container', { a: exited(0), side: running }, [['side:Always', 'b:OnFailure'], false]],
    ['all init done: sidecar and app containers', { a: exited(0), side: running, b: exited(0) }, [['side:Always', 'web:Always', 'log:Always'], true]],
  ] as [string, Record<string, ContainerFacts>, unknown][])('%s', (_n, facts, expected) => {
    expect(names(facts)).toEqual(expected);
  });

  it('gives failed init containers no retry under restartPolicy Never', () => {
    const never = podSpec(makePod().init('a').container('web').restartPolicy('Never').build());
    expect(names({ a: exited(1) }, never)).toEqual([['a:Never'], false]);
  });

  it('runs app containers at once without init containers', () => {
    expect(names({}, podSpec(makePod().container('web').restartPolicy('OnFailure').build()))).toEqual([['web:OnFailure'], true]);
  });
});

describe('planContainer', () => {
  const pod = { name: 'web-1', namespace: 'default', uid: 'u' };
  const backoff = { baseMs: 10_000, maxMs: 300_000 };
  // finished at 5000 ms after the epoch
  const crashed = (code: number, entry?: ContainerRecord['backoff']): ContainerFacts => {
    const r = record('web', code);
    r.current!.finishedAtMs = 5000;
    return { running: false, started: false, record: { ...r, ...(entry ? { backoff: entry } : {}) } };
  };

  it.each([
    ['never started', notStarted, 'Always', 6000, { action: 'start' }],
    ['running', running, 'Always', 6000, { action: 'none' }],
    ['completed under OnFailure', crashed(0), 'OnFailure', 6000, { action: 'none' }],
    ['failed under Never', crashed(1), 'Never', 6000, { action: 'none' }],
    ['first crash: restart at once', crashed(1), 'Always', 6000, { action: 'start' }],
    ['crashed inside its back-off', crashed(1, { delayMs: 20_000, lastUpdateMs: 0 }), 'Always', 6000, { action: 'wait', reason: 'CrashLoopBackOff', untilMs: 25_000, message: 'back-off 20s restarting failed container=web pod=web-1_default(u)' }],
    ['back-off over', crashed(1, { delayMs: 20_000, lastUpdateMs: 0 }), 'Always', 25_000, { action: 'start' }],
  ] as const)('%s -> %j', (_n, facts, policy, nowMs, expected) => {
    expect(planContainer({ name: 'web', facts, policy, backoff, nowMs, pod })).toEqual(expected);
  });
});
