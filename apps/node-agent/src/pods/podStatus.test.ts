import { describe, expect, it } from 'vitest';
import { makePod, record, terminated } from '../testing/builders.js';
import { computePodStatus, type ContainerView, type PodStatusInput } from './podStatus.js';

const now = new Date('2026-01-01T00:01:00Z');

function input(over: Partial<PodStatusInput> & Pick<PodStatusInput, 'pod'>): PodStatusInput {
  return { views: {}, hostIP: '127.0.0.1', podIP: '127.16.0.5', startTime: '2026-01-01T00:00:00Z', sandboxReady: true, terminal: false, now, ...over };
}

const running = (ready = true): ContainerView => ({ record: record('x', 'running'), ready, started: true });
const exited = (code: number): ContainerView => ({ record: record('x', code), ready: false, started: false });
const crashLooping = (code = 1): ContainerView => ({ record: record('x', code, 2), waiting: { reason: 'CrashLoopBackOff', message: 'back-off' }, ready: false, started: false });
const notStarted: ContainerView = { ready: false, started: false };

describe('pod phase', () => {
  const two = (policy: 'Always' | 'OnFailure' | 'Never') => makePod().container('a').container('b').restartPolicy(policy).build();
  it.each([
    ['nothing started yet', 'Always', notStarted, notStarted, false, 'Pending'],
    ['one running, one not started', 'Always', running(), notStarted, false, 'Pending'],
    ['both running', 'Always', running(), running(false), false, 'Running'],
    ['one running, one exited', 'Never', running(), exited(0), false, 'Running'],
    ['all exited 0, Always: restarting', 'Always', exited(0), exited(0), false, 'Running'],
    ['all exited 0, OnFailure', 'OnFailure', exited(0), exited(0), false, 'Succeeded'],
    ['one failed, Never', 'Never', exited(0), exited(1), false, 'Failed'],
    ['one failed, OnFailure: will restart', 'OnFailure', exited(0), exited(1), false, 'Running'],
    ['crash looping counts as stopped', 'Always', crashLooping(), running(), false, 'Running'],
    ['crash looping alone', 'Always', crashLooping(), crashLooping(), false, 'Running'],
    ['deleted, all exited 0', 'Always', exited(0), exited(0), true, 'Succeeded'],
    ['deleted, killed', 'Always', exited(143), exited(0), true, 'Failed'],
    ['deleted before it ever ran', 'Always', notStarted, notStarted, true, 'Failed'],
  ] as const)('%s (%s) -> %s', (_name, policy, a, b, terminal, phase) => {
    expect(computePodStatus(input({ pod: two(policy), views: { a, b }, terminal })).phase).toBe(phase);
  });

  it.each([
    ['init running', { setup: running() }, 'Pending'],
    ['init done, app not started', { setup: exited(0) }, 'Pending'],
    ['init done, app running', { setup: exited(0), web: running() }, 'Running'],
    ['init failed, restartPolicy Never', { setup: exited(1) }, 'Failed'],
    ['init failed, will be retried', { setup: { ...crashLooping(1) } }, 'Pending'],
  ] as const)('with an init container: %s -> %s', (_name, views, phase) => {
    const policy = phase === 'Failed' ? 'Never' : 'Always';
    const p = makePod().init('setup').container('web').restartPolicy(policy).build();
    expect(computePodStatus(input({ pod: p, views: views as Record<string, ContainerView> })).phase).toBe(phase);
  });
});

describe('container statuses', () => {
  const p = makePod().container('web', { image: 'nginx:1' }).build();
  const status = (v: ContainerView) => computePodStatus(input({ pod: p, views: { web: v } })).containerStatuses[0];

  it('a running container reports its start, readiness and the run before', () => {
    const s = status({ record: record('web', 'running', 1, terminated(137)), ready: true, started: true });
    expect(s).toMatchObject({
      name: 'web',
      image: 'nginx:1',
      imageID: 'skiff://process',
      state: { running: { startedAt: '2026-01-01T00:00:00Z' } },
      lastState: { terminated: { exitCode: 137, reason: 'Error' } },
      ready: true,
      started: true,
      restartCount: 1,
    });
  });

  it('a crash-looping container waits, with the crash as its last state', () => {
    const s = status(crashLooping(2));
    expect(s.state).toEqual({ waiting: { reason: 'CrashLoopBackOff', message: 'back-off' } });
    expect(s.lastState.terminated?.exitCode).toBe(2);
    expect(s.ready).toBe(false);
  });

  it('a container never started is ContainerCreating', () => {
    expect(status(notStarted).state).toEqual({ waiting: { reason: 'ContainerCreating' } });
  });

  it('a configuration error is reported as the waiting reason', () => {
    const s = status({ waiting: { reason: 'CreateContainerConfigError', message: 'no command' }, ready: false, started: false });
    expect(s.state.waiting).toEqual({ reason: 'CreateContainerConfigError', message: 'no command' });
  });

  it('a running container that is not started is not ready', () => {
    expect(status({ record: record('web', 'running'), ready: true, started: false }).ready).toBe(false);
  });

  it('app containers wait with PodInitializing while init containers run', () => {
    const q = makePod().init('setup').container('web').build();
    const s = computePodStatus(input({ pod: q, views: { setup: running() } }));
    expect(s.containerStatuses[0].state.waiting?.reason).toBe('PodInitializing');
    expect(s.initContainerStatuses?.[0].state.running).toBeDefined();
  });
});

describe('conditions', () => {
  const cond = (views: Record<string, ContainerView>, pod = makePod().container('web').build()) =>
    Object.fromEntries(computePodStatus(input({ pod, views })).conditions.map((c) => [c.type, c]));

  it('ready when every container is ready', () => {
    const c = cond({ web: running(true) });
    expect([c.Ready.status, c.ContainersReady.status, c.Initialized.status, c.PodScheduled.status]).toEqual(['True', 'True', 'True', 'True']);
  });

  it('names the unready containers', () => {
    const c = cond({ web: running(false) });
    expect(c.Ready).toMatchObject({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [web]' });
  });

  it('names the init containers not done', () => {
    const c = cond({ setup: running() }, makePod().init('setup').container('web').build());
    expect(c.Initialized).toMatchObject({ status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [setup]' });
  });

  it('keeps lastTransitionTime while a condition keeps its status', () => {
    const pod = makePod()
      .container('web')
      .status({ conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2025-12-31T00:00:00Z' }, { type: 'ContainersReady', status: 'False', lastTransitionTime: '2025-12-31T00:00:00Z' }] })
      .build();
    const c = cond({ web: running(true) }, pod);
    expect(c.Ready.lastTransitionTime).toBe('2025-12-31T00:00:00Z');
    expect(c.ContainersReady.lastTransitionTime).toBe('2026-01-01T00:01:00Z');
  });

  it('is deterministic: computing twice from the same facts gives the same status', () => {
    const pod = makePod().container('web').build();
    const a = computePodStatus(input({ pod, views: { web: running() } }));
    const b = computePodStatus(input({ pod: { ...pod, status: a }, views: { web: running() }, now: new Date('2026-01-01T01:00:00Z') }));
    expect(b).toEqual(a);
  });
});
