import { describe, expect, it } from 'vitest';
import { ZONE_RECHECK_MS, ZoneNoExecuteTainter } from './zoneNoExecuteTainter.js';
import { DEFAULT_EVICTION_RATES, type EvictionRates, type NodeReadiness } from './zoneStates.js';

function cluster(spec: Record<string, { ready: number; notReady: number }>): NodeReadiness[] {
  return Object.entries(spec).flatMap(([zone, { ready, notReady }]) => [
    ...Array.from({ length: ready }, (_, i) => ({ name: `${zone}-ready-${i}`, zone, ready: true })),
    ...Array.from({ length: notReady }, (_, i) => ({ name: `${zone}-down-${i}`, zone, ready: false })),
  ]);
}

describe('ZoneNoExecuteTainter', () => {
  it('lets the first NotReady node of a healthy zone through at once (the two-node skiff up cluster)', () => {
    const t = new ZoneNoExecuteTainter(DEFAULT_EVICTION_RATES);
    expect(t.decide('z-down-0', cluster({ z: { ready: 1, notReady: 1 } }), false, 0)).toEqual({ noExecute: true });
  });

  it('then one node per 1/rate seconds in a zone, in arrival order, while zones do not wait on each other', () => {
    const rates: EvictionRates = { ...DEFAULT_EVICTION_RATES, nodeEvictionRate: 0.5 };
    const t = new ZoneNoExecuteTainter(rates);
    const nodes = cluster({ a: { ready: 7, notReady: 3 }, b: { ready: 9, notReady: 1 } });
    expect(t.decide('a-down-0', nodes, false, 0)).toEqual({ noExecute: true });
    expect(t.decide('a-down-1', nodes, false, 0)).toEqual({ noExecute: false, retryInMs: 2000 });
    expect(t.decide('a-down-2', nodes, false, 0)).toEqual({ noExecute: false, retryInMs: 4000 });
    expect(t.decide('b-down-0', nodes, false, 0)).toEqual({ noExecute: true });
    // a-down-2 asks early, at 2 s: a token is there, but a-down-1 was first in line.
    expect(t.decide('a-down-2', nodes, false, 2000)).toEqual({ noExecute: false, retryInMs: 2000 });
    expect(t.decide('a-down-1', nodes, false, 2000)).toEqual({ noExecute: true });
    expect(t.decide('a-down-2', nodes, false, 3000)).toEqual({ noExecute: false, retryInMs: 1000 });
    expect(t.decide('a-down-2', nodes, false, 4000)).toEqual({ noExecute: true });
  });

  it('caps the wait at the recheck period, since zone states change with other nodes', () => {
    const t = new ZoneNoExecuteTainter(DEFAULT_EVICTION_RATES); // 0.1/s: 10 s between nodes
    const nodes = cluster({ z: { ready: 8, notReady: 2 } });
    t.decide('z-down-0', nodes, false, 0);
    expect(t.decide('z-down-1', nodes, false, 0)).toEqual({ noExecute: false, retryInMs: ZONE_RECHECK_MS });
    expect(t.decide('z-down-1', nodes, false, 9999)).toEqual({ noExecute: false, retryInMs: 1 });
    expect(t.decide('z-down-1', nodes, false, 10_000)).toEqual({ noExecute: true });
  });

  it('forgets a node that is Ready again, so the next in line moves up', () => {
    const t = new ZoneNoExecuteTainter({ ...DEFAULT_EVICTION_RATES, nodeEvictionRate: 1 });
    const nodes = cluster({ z: { ready: 7, notReady: 3 } });
    t.decide('z-down-0', nodes, false, 0);
    t.decide('z-down-1', nodes, false, 0);
    expect(t.decide('z-down-2', nodes, false, 0)).toMatchObject({ noExecute: false });
    const recovered = nodes.map((n) => (n.name === 'z-down-1' ? { ...n, ready: true } : n));
    expect(t.decide('z-down-2', recovered, false, 1000)).toEqual({ noExecute: true });
  });

  it('slows to the secondary rate in an unhealthy zone of a large cluster, and stops in a small one', () => {
    const large = cluster({ z: { ready: 20, notReady: 40 } }); // 67 % of 60 nodes
    const t = new ZoneNoExecuteTainter(DEFAULT_EVICTION_RATES);
    expect(t.decide('z-down-0', large, false, 0)).toEqual({ noExecute: true });
    expect(t.decide('z-down-1', large, false, 0)).toEqual({ noExecute: false, retryInMs: ZONE_RECHECK_MS });
    expect(t.decide('z-down-1', large, false, 99_999)).toMatchObject({ noExecute: false });
    expect(t.decide('z-down-1', large, false, 100_000)).toEqual({ noExecute: true });

    const small = cluster({ z: { ready: 2, notReady: 3 } }); // 60 % of 5 nodes
    const s = new ZoneNoExecuteTainter(DEFAULT_EVICTION_RATES);
    expect(s.decide('z-down-0', small, false, 0)).toEqual({ noExecute: false, retryInMs: ZONE_RECHECK_MS });
    expect(s.decide('z-down-0', small, false, 3_600_000)).toMatchObject({ noExecute: false });
    // Two nodes come back: 1 of 5 NotReady is a healthy zone again, and its bucket is full.
    const healed = cluster({ z: { ready: 4, notReady: 1 } });
    expect(s.decide('z-down-0', healed, false, 3_600_001)).toEqual({ noExecute: true });
  });

  it('takes no NoExecute taint away in a healthy cluster, and every one when all nodes are NotReady', () => {
    const t = new ZoneNoExecuteTainter(DEFAULT_EVICTION_RATES);
    const nodes = cluster({ z: { ready: 1, notReady: 2 } });
    t.decide('z-down-0', nodes, false, 0);
    expect(t.decide('z-down-1', nodes, true, 0)).toEqual({ noExecute: true });
    const allDown = cluster({ a: { ready: 0, notReady: 1 }, b: { ready: 0, notReady: 2 } });
    expect(t.decide('a-down-0', allDown, true, 0)).toEqual({ noExecute: false, retryInMs: ZONE_RECHECK_MS });
    expect(t.decide('b-down-1', allDown, false, 60_000)).toEqual({ noExecute: false, retryInMs: ZONE_RECHECK_MS });
    // One zone fully down while another is up: its nodes are likely dead, evicted at the normal rate.
    const oneZoneDown = cluster({ a: { ready: 0, notReady: 1 }, b: { ready: 2, notReady: 0 } });
    expect(t.decide('a-down-0', oneZoneDown, false, 60_000)).toEqual({ noExecute: true });
  });
});
