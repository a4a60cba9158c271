import type { KubeObject } from '@skiff/apimachinery';
import { desiredReplicas, isRollingUpdate, maxSurge } from './fenceposts.js';
import { activeReplicaSets, availableReplicas, byCreation, DESIRED_REPLICAS, MAX_REPLICAS, specReplicas, sumSpecReplicas } from './replicaSets.js';
import type { ScaleAction } from './rollingPlan.js';

/** A scaling event: an active ReplicaSet was sized for a different replica count than now. */
export function isScalingEvent(d: KubeObject, rss: readonly KubeObject[]): boolean {
  const replicas = desiredReplicas(d);
  return activeReplicaSets(rss).some((rs) => {
    const desired = rs.metadata.annotations?.[DESIRED_REPLICAS];
    return desired !== undefined && Number(desired) !== replicas;
  });
}

/** The new ReplicaSet has every replica and all are available: old ones can go to zero. */
export function isSaturated(d: KubeObject, newRS: KubeObject | undefined): boolean {
  if (!newRS) return false;
  const replicas = desiredReplicas(d);
  const desired = Number(newRS.metadata.annotations?.[DESIRED_REPLICAS]);
  return specReplicas(newRS) === replicas && desired === replicas && availableReplicas(newRS) === replicas;
}

/**
 * Kubernetes' scale(): a replica count change during (or outside) a rollout.
 * - One active ReplicaSet (or none): it (or the newest) gets all replicas.
 * - The new one saturated: old ones go to zero.
 * - Several active during a rolling update: the change is spread in proportion to their sizes.
 *   Example: 10 replicas, maxSurge 3, old RS 8 and new RS 5 (13 = 10+3), scaled to 20: allowed
 *   23, 10 to add; old gets round(8*23/13)-8 = 6, new round(5*23/13)-5 = 4 -> 14 and 9.
 */
export function planScale(d: KubeObject, newRS: KubeObject | undefined, oldRSs: readonly KubeObject[], statusReplicas: number): ScaleAction[] {
  const replicas = desiredReplicas(d);
  const all = newRS ? [newRS, ...oldRSs] : [...oldRSs];
  const active = activeReplicaSets(all);
  const single = active.length === 1 ? active[0] : active.length === 0 ? (newRS ?? [...oldRSs].sort(byCreation).at(-1)) : undefined;
  if (active.length <= 1) {
    if (!single || specReplicas(single) === replicas) return [];
    return [{ rs: single, replicas }];
  }
  if (isSaturated(d, newRS)) return activeReplicaSets(oldRSs).map((rs) => ({ rs, replicas: 0 }));
  if (!isRollingUpdate(d)) return [];

  const allowed = replicas > 0 ? replicas + maxSurge(d) : 0;
  const toAdd = allowed - sumSpecReplicas(active);
  if (toAdd === 0) return [];
  // Growing: largest first, newer first among equals; shrinking: largest first, older first.
  const sorted = [...active].sort((a, b) => specReplicas(b) - specReplicas(a) || (toAdd > 0 ? byCreation(b, a) : byCreation(a, b)));
  const sizes = new Map<string, number>();
  let added = 0;
  for (const rs of sorted) {
    const p = proportion(rs, d, toAdd, added, statusReplicas);
    sizes.set(rs.metadata.name!, specReplicas(rs) + p);
    added += p;
  }
  const first = sorted[0].metadata.name!;
  sizes.set(first, Math.max(0, sizes.get(first)! + (toAdd - added)));
  return sorted.filter((rs) => sizes.get(rs.metadata.name!) !== specReplicas(rs)).map((rs) => ({ rs, replicas: sizes.get(rs.metadata.name!)! }));
}

function proportion(rs: KubeObject, d: KubeObject, toAdd: number, added: number, statusReplicas: number): number {
  if (specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d, statusReplicas);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

function replicaSetFraction(rs: KubeObject, d: KubeObject, statusReplicas: number): number {
  const replicas = desiredReplicas(d);
  if (replicas === 0) return -specReplicas(rs);
  const deploymentReplicas = replicas + maxSurge(d);
  const annotated = Number(rs.metadata.annotations?.[MAX_REPLICAS]);
  const base = Number.isFinite(annotated) && annotated > 0 ? annotated : statusReplicas;
  if (base <= 0) return 0;
  return Math.round((specReplicas(rs) * deploymentReplicas) / base) - specReplicas(rs);
}
