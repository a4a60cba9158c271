import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import { resolveIntOrPercent } from '../deployment/fenceposts.js';

export function isRollingUpdate(ds: DaemonSet): boolean {
  return (ds.spec?.updateStrategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/**
 * How many extra pods a rolling update may start, of `desired` nodes. Percentages round up (a
 * DaemonSet rounds both bounds up, unlike a Deployment): 10% of 3 nodes -> 1.
 */
export function surgeCount(ds: DaemonSet, desired: number): number {
  const ru = ds.spec?.updateStrategy?.rollingUpdate;
  if (!isRollingUpdate(ds) || ru?.maxSurge === undefined) return 0;
  return resolveIntOrPercent(ru.maxSurge, desired, true);
}

/** How many nodes may be without an available daemon pod during a rolling update; percentages round up. */
export function unavailableCount(ds: DaemonSet, desired: number): number {
  const ru = ds.spec?.updateStrategy?.rollingUpdate;
  if (!isRollingUpdate(ds) || !ru) return 0;
  return resolveIntOrPercent(ru.maxUnavailable ?? 1, desired, true);
}

/** Surging is on when maxSurge is above zero (any non-zero percentage counts: it rounds up). */
export function allowsSurge(ds: DaemonSet): boolean {
  return surgeCount(ds, 1) > 0;
}
