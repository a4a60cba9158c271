import { describe, expect, it } from 'vitest';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { groupPods, podRequests, rawResourceReplicas, resourceReplicas, DEFAULT_REPLICA_CALCULATOR_OPTIONS, type PodMetrics } from './replicaCalculator.js';

const NOW = Date.parse('2026-12-05T12:00:00Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString();

/** `makePod('a').cpu('500m').build()`: a Running, Ready pod started 10 minutes ago. */
function makePod(name: string) {
  const pod: Pod = {
    metadata: { name, namespace: 'default' },
    spec: { containers: [{ name: 'app', image: 'x', resources: { requests: { cpu: '500m', memory: '100Mi' } } }] },
    status: { phase: 'Running', startTime: ago(600), conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: ago(590) }] },
  };
  const b = {
    cpu(q: string | undefined) {
      pod.spec!.containers[0].resources = q === undefined ? {} : { requests: { cpu: q } };
      return b;
    },
    phase(p: string) {
      pod.status!.phase = p;
      return b;
    },
    deleting() {
      pod.metadata = { ...pod.metadata, deletionTimestamp: ago(1) };
      return b;
    },
    started(secondsAgo: number) {
      pod.status!.startTime = ago(secondsAgo);
      return b;
    },
    ready(status: 'True' | 'False', secondsAgo: number) {
      pod.status!.conditions = [{ type: 'Ready', status, lastTransitionTime: ago(secondsAgo) }];
      return b;
    },
    noReadyCondition() {
      pod.status!.conditions = [];
      return b;
    },
    build: () => pod,
  };
  return b;
}

/** Metrics sampled 5 s ago over a 10 s window. */
function metrics(values: Record<string, number>): PodMetrics {
  return new Map(Object.entries(values).map(([name, value]) => [name, { value, timestamp: NOW - 5000, windowMs: 10_000 }]));
}

describe('groupPods (which pods count)', () => {
  it.each([
    ['ready with a metric', makePod('p').build(), { p: 100 }, 'ready'],
    ['pending', makePod('p').phase('Pending').build(), { p: 100 }, 'unready'],
    ['failed', makePod('p').phase('Failed').build(), { p: 100 }, 'ignored'],
    ['being deleted', makePod('p').deleting().build(), { p: 100 }, 'ignored'],
    ['running without a metric', makePod('p').build(), {}, 'missing'],
    ['no Ready condition', makePod('p').noReadyCondition().build(), { p: 100 }, 'unready'],
    // Within the 5 minute initialization period: not ready, or the sample overlaps becoming ready.
    ['young and not ready', makePod('p').started(60).ready('False', 50).build(), { p: 100 }, 'unready'],
    ['young, ready 8 s ago, 10 s window', makePod('p').started(60).ready('True', 8).build(), { p: 100 }, 'unready'],
    ['young, ready 50 s ago', makePod('p').started(60).ready('True', 50).build(), { p: 100 }, 'ready'],
    // After it: unready only if it went unready within 30 s of starting and stayed so.
    ['old, unready since start', makePod('p').started(600).ready('False', 590).build(), { p: 100 }, 'unready'],
    ['old, became unready later', makePod('p').started(600).ready('False', 60).build(), { p: 100 }, 'ready'],
  ] as const)('%s -> %s', (_name, pod, m, want) => {
    const g = groupPods([pod], metrics(m), 'cpu', NOW, DEFAULT_REPLICA_CALCULATOR_OPTIONS);
    const got = g.readyPodCount === 1 ? 'ready' : g.unready.has('p') ? 'unready' : g.missing.has('p') ? 'missing' : g.ignored.has('p') ? 'ignored' : 'none';
    expect(got).toBe(want);
  });

  it('does not look at readiness for memory', () => {
    const g = groupPods([makePod('p').started(60).ready('False', 50).build()], metrics({ p: 1 }), 'memory', NOW, DEFAULT_REPLICA_CALCULATOR_OPTIONS);
    expect(g.readyPodCount).toBe(1);
  });
});

describe('podRequests', () => {
  it('sums the containers in milli-units', () => {
    const pod = makePod('p').build();
    pod.spec!.containers.push({ name: 'side', image: 'y', resources: { requests: { cpu: '0.25' } } });
    const r = podRequests([pod], 'cpu');
    expect(r.ok && r.requests.get('p')).toBe(750);
  });

  it('names the container without a request', () => {
    expect(podRequests([makePod('p').cpu(undefined).build()], 'cpu')).toEqual({ ok: false, message: 'missing request for cpu in container app of Pod p' });
  });
});

describe('resourceReplicas (AverageUtilization targets)', () => {
  const ready = (...names: string[]) => names.map((n) => makePod(n).build());
  it.each([
    // name, current, pods, metrics (millicores; requests are 500m), target %, want replicas, want utilization
    ['scale up: 90 % of a 50 % target', 3, ready('a', 'b', 'c'), { a: 400, b: 450, c: 500 }, 50, 6, 90],
    ['within tolerance: 54 % of 50 %', 3, ready('a', 'b', 'c'), { a: 270, b: 270, c: 270 }, 50, 3, 54],
    ['just outside tolerance: 56 % of 50 %', 3, ready('a', 'b', 'c'), { a: 280, b: 280, c: 280 }, 50, 4, 56],
    ['scale down: 10 % of 50 %', 4, ready('a', 'b', 'c', 'd'), { a: 50, b: 50, c: 50, d: 50 }, 50, 1, 10],
    // Missing pod on a scale-up counts as 0: 1350*100/2000 = 67 %, ratio 1.34, ceil(1.34*4) = 6.
    ['scale up with a missing pod', 4, ready('a', 'b', 'c', 'd'), { a: 400, b: 450, c: 500 }, 50, 6, 90],
    // Missing pod on a scale-down counts as 100 %: (50*3 + 500)*100/2000 = 32 %, ratio 0.64 -> ceil(0.64*4) = 3.
    ['scale down with a missing pod', 4, ready('a', 'b', 'c', 'd'), { a: 50, b: 50, c: 50 }, 50, 3, 10],
    // Missing pod would flip a small scale-down into a scale-up: keep the count.
    ['missing pod flips the direction', 2, ready('a', 'b'), { a: 200 }, 50, 2, 40],
    // Unready pods on a scale-up count as 0: (500+500)*100/(4*500) = 50 % -> within tolerance, keep.
    ['scale up held back by unready pods', 4, [...ready('a', 'b'), makePod('c').phase('Pending').build(), makePod('d').phase('Pending').build()], { a: 500, b: 500 }, 50, 4, 100],
    // Failed pods are ignored entirely.
    ['failed pods are ignored', 3, [...ready('a', 'b'), makePod('c').phase('Failed').build()], { a: 500, b: 500, c: 0 }, 50, 4, 100],
  ] as const)('%s', (_n, current, pods, m, target, replicas, utilization) => {
    const got = resourceReplicas({ currentReplicas: current, pods: [...pods], metrics: metrics(m), resource: 'cpu', now: NOW, targetUtilization: target });
    expect(got).toMatchObject({ ok: true, replicas, utilization });
  });

  it.each([
    ['no pods', [], {}, 'no pods returned by selector while calculating replica count'],
    ['only unready pods', [makePod('a').phase('Pending').build()], { a: 100 }, 'did not receive metrics for targeted pods (pods might be unready)'],
    ['no request', [makePod('a').cpu(undefined).build()], { a: 100 }, 'missing request for cpu in container app of Pod a'],
  ] as const)('fails: %s', (_n, pods, m, message) => {
    expect(resourceReplicas({ currentReplicas: 1, pods: [...pods], metrics: metrics(m), resource: 'cpu', now: NOW, targetUtilization: 50 })).toEqual({ ok: false, message });
  });

  it('reports the raw average usage', () => {
    const got = resourceReplicas({ currentReplicas: 2, pods: ready('a', 'b'), metrics: metrics({ a: 100, b: 301 }), resource: 'cpu', now: NOW, targetUtilization: 50 });
    expect(got).toMatchObject({ ok: true, rawAverage: 200 });
  });
});

describe('rawResourceReplicas (AverageValue targets)', () => {
  it.each([
    ['2 pods averaging 2x the target', 2, { a: 300, b: 500 }, 200, 4],
    ['within tolerance', 2, { a: 210, b: 200 }, 200, 2],
    ['half the target', 4, { a: 100, b: 100, c: 100, d: 100 }, 200, 2],
  ] as const)('%s', (_n, current, m, target, replicas) => {
    const pods = Object.keys(m).map((n) => makePod(n).build());
    expect(rawResourceReplicas({ currentReplicas: current, pods, metrics: metrics(m), resource: 'memory', now: NOW, targetAverage: target })).toMatchObject({ ok: true, replicas });
  });
});
