import type { KubeObject } from '@skiff/apimachinery';

/** The label that puts a node in a zone; nodes without it share the zone ''. */
export const ZONE_LABEL = 'topology.kubernetes.io/zone';

/**
 * Kubernetes' zone states:
 *   Normal            -> evict at --node-eviction-rate;
 *   PartialDisruption -> at least 3 nodes and at least --unhealthy-zone-threshold of the zone NotReady:
 *                        --secondary-node-eviction-rate, or nothing in a zone of at most
 *                        --large-cluster-size-threshold nodes (likely a network problem, not dead nodes);
 *   FullDisruption    -> every node of the zone NotReady: the normal rate, unless every zone is fully
 *                        disrupted: then nothing is evicted at all (the control plane is more likely
 *                        cut off than every node dead).
 */
export type ZoneState = 'Normal' | 'PartialDisruption' | 'FullDisruption';

export interface EvictionRates {
  /** Nodes a second whose pods start being evicted in a healthy zone (--node-eviction-rate: 0.1). */
  nodeEvictionRate: number;
  /** The same in an unhealthy zone of a large cluster (--secondary-node-eviction-rate: 0.01). */
  secondaryNodeEvictionRate: number;
  /** Fraction of NotReady nodes that makes a zone unhealthy (--unhealthy-zone-threshold: 0.55). */
  unhealthyZoneThreshold: number;
  /** Zones of at most this many nodes evict nothing when unhealthy (--large-cluster-size-threshold: 50). */
  largeClusterSizeThreshold: number;
}

export const DEFAULT_EVICTION_RATES: EvictionRates = {
  nodeEvictionRate: 0.1,
  secondaryNodeEvictionRate: 0.01,
  unhealthyZoneThreshold: 0.55,
  largeClusterSizeThreshold: 50,
};

/** What the zone arithmetic needs of a node. */
export interface NodeReadiness {
  name: string;
  zone: string;
  ready: boolean;
}

export interface ZoneSummary {
  state: ZoneState;
  size: number;
  notReady: Set<string>;
  /** Nodes a second whose pods may start being evicted. */
  rate: number;
}

export interface ZoneStates {
  zones: Map<string, ZoneSummary>;
  /** Every zone fully disrupted (and at least one node): evict nothing. */
  allFullyDisrupted: boolean;
}

export function nodeZone(node: KubeObject): string {
  return node.metadata.labels?.[ZONE_LABEL] ?? '';
}

/**
 * Examples (threshold 0.55): 2 ready, 1 NotReady -> Normal; 1 ready, 1 NotReady (50 %) -> Normal;
 * 2 ready, 3 NotReady (60 %) -> PartialDisruption; 1 ready, 2 NotReady (67 %, but fewer than 3) ->
 * Normal; 0 ready, 1 NotReady -> FullDisruption.
 */
export function zoneState(ready: number, notReady: number, unhealthyZoneThreshold: number): ZoneState {
  if (ready === 0 && notReady > 0) return 'FullDisruption';
  if (notReady > 2 && notReady / (ready + notReady) >= unhealthyZoneThreshold) return 'PartialDisruption';
  return 'Normal';
}

/** Nodes a second the zone may have evicted. Example: PartialDisruption in a zone of 60 nodes, defaults -> 0.01; of 10 nodes -> 0. */
export function zoneEvictionRate(state: ZoneState, zoneSize: number, allFullyDisrupted: boolean, rates: EvictionRates): number {
  if (allFullyDisrupted) return 0;
  if (state === 'PartialDisruption') return zoneSize > rates.largeClusterSizeThreshold ? rates.secondaryNodeEvictionRate : 0;
  return rates.nodeEvictionRate;
}

export function zoneStates(nodes: readonly NodeReadiness[], rates: EvictionRates): ZoneStates {
  const counts = new Map<string, { ready: number; notReady: Set<string> }>();
  for (const n of nodes) {
    let c = counts.get(n.zone);
    if (!c) counts.set(n.zone, (c = { ready: 0, notReady: new Set() }));
    if (n.ready) c.ready++;
    else c.notReady.add(n.name);
  }
  const states = new Map<string, ZoneState>();
  for (const [zone, c] of counts) states.set(zone, zoneState(c.ready, c.notReady.size, rates.unhealthyZoneThreshold));
  const allFullyDisrupted = states.size > 0 && [...states.values()].every((s) => s === 'FullDisruption');
  const zones = new Map<string, ZoneSummary>();
  for (const [zone, c] of counts) {
    const state = states.get(zone)!;
    const size = c.ready + c.notReady.size;
    zones.set(zone, { state, size, notReady: c.notReady, rate: zoneEvictionRate(state, size, allFullyDisrupted, rates) });
  }
  return { zones, allFullyDisrupted };
}
