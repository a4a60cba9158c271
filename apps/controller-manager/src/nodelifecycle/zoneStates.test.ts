import { describe, expect, it } from 'vitest';
import { DEFAULT_EVICTION_RATES, nodeZone, zoneEvictionRate, zoneState, zoneStates, type NodeReadiness, type ZoneState } from './zoneStates.js';

const nodes = (zone: string, ready: number, notReady: number): NodeReadiness[] => [
  ...Array.from({ length: ready }, (_, i) => ({ name: `${zone}-r${i}`, zone, ready: true })),
  ...Array.from({ length: notReady }, (_, i) => ({ name: `${zone}-n${i}`, zone, ready: false })),
];

describe('zoneState', () => {
  it.each<[number, number, ZoneState]>([
    [1, 0, 'Normal'],
    [2, 1, 'Normal'],
    [1, 1, 'Normal'], // 50 % < 55 %: the two-node `skiff up` cluster with one node down evicts as usual
    [1, 2, 'Normal'], // 67 %, but fewer than 3 NotReady
    [2, 3, 'PartialDisruption'], // 60 %
    [45, 55, 'PartialDisruption'], // exactly 55 %
    [46, 54, 'Normal'],
    [0, 1, 'FullDisruption'],
    [0, 100, 'FullDisruption'],
    [0, 0, 'Normal'],
  ])('%i ready, %i NotReady -> %s', (ready, notReady, expected) => {
    expect(zoneState(ready, notReady, 0.55)).toBe(expected);
  });
});

describe('zoneEvictionRate', () => {
  it.each<[ZoneState, number, boolean, number]>([
    ['Normal', 2, false, 0.1],
    ['PartialDisruption', 51, false, 0.01],
    ['PartialDisruption', 50, false, 0], // small cluster: stop
    ['FullDisruption', 10, false, 0.1], // another zone is healthy: this one's nodes are likely dead
    ['FullDisruption', 10, true, 0], // everything NotReady: the control plane is likely cut off
  ])('%s, %i nodes, all zones fully disrupted %s -> %d', (state, size, all, expected) => {
    expect(zoneEvictionRate(state, size, all, DEFAULT_EVICTION_RATES)).toBe(expected);
  });
});

describe('zoneStates', () => {
  it('groups nodes by zone label, unlabelled nodes together, and rates each zone', () => {
    const { zones, allFullyDisrupted } = zoneStates([...nodes('a', 1, 1), ...nodes('b', 0, 2), ...nodes('', 40, 60)], DEFAULT_EVICTION_RATES);
    expect(allFullyDisrupted).toBe(false);
    expect(zones.get('a')).toMatchObject({ state: 'Normal', size: 2, rate: 0.1, notReady: new Set(['a-n0']) });
    expect(zones.get('b')).toMatchObject({ state: 'FullDisruption', size: 2, rate: 0.1 });
    expect(zones.get('')).toMatchObject({ state: 'PartialDisruption', size: 100, rate: 0.01 });
  });

  it('stops all eviction when every node of every zone is NotReady', () => {
    const { zones, allFullyDisrupted } = zoneStates([...nodes('a', 0, 1), ...nodes('b', 0, 3)], DEFAULT_EVICTION_RATES);
    expect(allFullyDisrupted).toBe(true);
    expect([...zones.values()].map((z) => z.rate)).toEqual([0, 0]);
    expect(zoneStates([], DEFAULT_EVICTION_RATES).allFullyDisrupted).toBe(false);
  });

  it('reads the zone from topology.kubernetes.io/zone', () => {
    expect(nodeZone({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n', labels: { 'topology.kubernetes.io/zone': 'eu-1a' } } })).toBe('eu-1a');
    expect(nodeZone({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' } })).toBe('');
  });
});
