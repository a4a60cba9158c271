import type { KubeObject } from '@skiff/apimachinery';
import { desiredReplicas, isRollingUpdate, maxSurge, maxUnavailable } from './fenceposts.js';
import { availableReplicas, byCreation, specReplicas, statusOf, sumSpecReplicas } from './replicaSets.js';

/** Scale this ReplicaSet to this many replicas. */
export interface ScaleAction {
  rs: KubeObject;
  replicas: number;
}

export function withReplicas(rs: KubeObject, replicas: number): KubeObject {
  return { ...rs, spec: { ...(rs.spec as object), replicas } };
}

/**
 * How big the new ReplicaSet may be now (Kubernetes' NewRSNewReplicas). Rolling: as big as the
 * surge allows. Example: 3 replicas, maxSurge 1, old RS at 3, new at 0 -> at most 4 pods in all,
 * so the new RS goes to 1. Recreate: all at once (old ones are gone by then).
 */
export function newReplicaSetReplicas(d: KubeObject, allRSs: readonly KubeObject[], newRS: KubeObject): number {
  const replicas = desiredReplicas(d);
  if (!isRollingUpdate(d)) return replicas;
  const current = sumSpecReplicas(allRSs);
  const maxTotal = replicas + maxSurge(d);
  if (current >= maxTotal) return specReplicas(newRS);
  const scaleUp = Math.min(maxTotal - current, replicas - specReplicas(newRS));
  return specReplicas(newRS) + scaleUp;
}

/** reconcileNewReplicaSet: grow (or shrink back to replicas) the new ReplicaSet, if it must. */
export function planNewReplicaSet(d: KubeObject, allRSs: readonly KubeObject[], newRS: KubeObject): ScaleAction | undefined {
  const replicas = desiredReplicas(d);
  const current = specReplicas(newRS);
  if (current === replicas) return undefined;
  if (current > replicas) return { rs: newRS, replicas };
  const next = newReplicaSetReplicas(d, allRSs, newRS);
  return next === current ? undefined : { rs: newRS, replicas: next };
}

/**
 * reconcileOldReplicaSets: shrink old ReplicaSets as far as availability allows. First the
 * unhealthy pods (they serve nobody), then healthy ones down to minAvailable.
 *
 * Example: 3 replicas, maxUnavailable 0, maxSurge 1. Old RS 3 (3 available), new RS 1 (0
 * available): all pods 4, minAvailable 3, new RS unavailable 1 -> maxScaledDown 4-3-1 = 0:
 * nothing yet. Once the new pod is available: 4-3-0 = 1, so the old RS goes to 2.
 */
export function planOldReplicaSets(d: KubeObject, allRSs: readonly KubeObject[], oldRSs: readonly KubeObject[], newRS: KubeObject | undefined): ScaleAction[] {
  const oldPods = sumSpecReplicas(oldRSs);
  if (oldPods === 0) return [];
  const allPods = sumSpecReplicas(allRSs);
  const minAvailable = desiredReplicas(d) - maxUnavailable(d);
  const newUnavailable = newRS ? Math.max(0, specReplicas(newRS) - availableReplicas(newRS)) : 0;
  const maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return [];

  const actions: ScaleAction[] = [];
  // Unhealthy first, oldest sets first.
  let cleaned = 0;
  const remaining: KubeObject[] = [];
  for (const rs of [...oldRSs].sort(byCreation)) {
    const unhealthy = specReplicas(rs) - availableReplicas(rs);
    if (cleaned >= maxScaledDown || specReplicas(rs) === 0 || unhealthy <= 0) {
      remaining.push(rs);
      continue;
    }
    const n = Math.min(maxScaledDown - cleaned, unhealthy);
    cleaned += n;
    actions.push({ rs, replicas: specReplicas(rs) - n });
    remaining.push(withReplicas(rs, specReplicas(rs) - n));
  }

  // Then healthy pods, as long as enough stay available.
  const all = newRS ? [...remaining, newRS] : remaining;
  const available = all.reduce((n, rs) => n + availableReplicas(rs), 0);
  const toScaleDown = available - minAvailable;
  let scaled = 0;
  for (const rs of remaining.sort(byCreation)) {
    if (scaled >= toScaleDown) break;
    if (specReplicas(rs) === 0) continue;
    const n = Math.min(specReplicas(rs), toScaleDown - scaled);
    scaled += n;
    const existing = actions.find((a) => a.rs.metadata.name === rs.metadata.name);
    if (existing) existing.replicas = specReplicas(rs) - n;
    else actions.push({ rs, replicas: specReplicas(rs) - n });
  }
  return actions;
}

/**
 * One step of a rolling update: scale up the new ReplicaSet if it may grow; otherwise scale
 * down old ones if availability allows; otherwise nothing (waiting for pods to become ready).
 */
export function planRollingStep(d: KubeObject, newRS: KubeObject, oldRSs: readonly KubeObject[]): { phase: 'scale-up' | 'scale-down' | 'wait'; actions: ScaleAction[] } {
  const allRSs = [...oldRSs, newRS];
  const up = planNewReplicaSet(d, allRSs, newRS);
  if (up) return { phase: 'scale-up', actions: [up] };
  const down = planOldReplicaSets(d, allRSs, oldRSs.filter((rs) => specReplicas(rs) > 0), newRS);
  if (down.length) return { phase: 'scale-down', actions: down };
  return { phase: 'wait', actions: [] };
}

/** Pods of old ReplicaSets still around, by their status (the Recreate strategy waits on them). */
export function oldPodsRemain(oldRSs: readonly KubeObject[], oldPods: readonly KubeObject[]): boolean {
  if (oldRSs.some((rs) => (statusOf(rs).replicas ?? 0) > 0)) return true;
  return oldPods.some((p) => {
    const phase = (p.status as { phase?: string } | undefined)?.phase;
    return phase !== 'Succeeded' && phase !== 'Failed';
  });
}
