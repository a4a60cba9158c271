import type { KubeObject } from '@skiff/apimachinery';

export type IntOrPercent = number | string | undefined;

/**
 * An intstr against a total: 2 -> 2, "25%" of 10 -> 2.5 rounded up (surge) to 3 or down
 * (unavailable) to 2. A bad percentage counts as 0 (validation rejects those before they get here).
 */
export function resolveIntOrPercent(value: IntOrPercent, total: number, roundUp: boolean): number {
  if (value === undefined) return 0;
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) return /^\d+$/.test(value) ? Number(value) : 0;
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/**
 * Kubernetes' ResolveFenceposts: surge rounds up, unavailable rounds down, and both zero would
 * deadlock a rollout, so unavailable becomes 1. Example: 3 replicas, 25%/25% -> surge 1
 * (0.75 up), unavailable 0 (0.75 down).
 */
export function resolveFenceposts(maxSurge: IntOrPercent, maxUnavailable: IntOrPercent, desired: number): { surge: number; unavailable: number } {
  const surge = resolveIntOrPercent(maxSurge, desired, true);
  let unavailable = resolveIntOrPercent(maxUnavailable, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export interface DeploymentSpec {
  replicas?: number;
  paused?: boolean;
  minReadySeconds?: number;
  revisionHistoryLimit?: number;
  progressDeadlineSeconds?: number;
  selector?: unknown;
  template?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: unknown };
  strategy?: { type?: string; rollingUpdate?: { maxSurge?: IntOrPercent; maxUnavailable?: IntOrPercent } };
}

export function deploymentSpec(d: KubeObject): DeploymentSpec {
  return (d.spec ?? {}) as DeploymentSpec;
}

export function desiredReplicas(d: KubeObject): number {
  return deploymentSpec(d).replicas ?? 1;
}

export function isRollingUpdate(d: KubeObject): boolean {
  return (deploymentSpec(d).strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

function rollingParams(d: KubeObject): { surge: number; unavailable: number } {
  const ru = deploymentSpec(d).strategy?.rollingUpdate ?? {};
  return resolveFenceposts(ru.maxSurge ?? '25%', ru.maxUnavailable ?? '25%', desiredReplicas(d));
}

export function maxSurge(d: KubeObject): number {
  return isRollingUpdate(d) ? rollingParams(d).surge : 0;
}

/** How many pods may be unavailable during a rolling update, never more than replicas. */
export function maxUnavailable(d: KubeObject): number {
  const replicas = desiredReplicas(d);
  if (!isRollingUpdate(d) || replicas === 0) return 0;
  return Math.min(rollingParams(d).unavailable, replicas);
}
