import { isWorse, type HealthStatus } from './healthStatus.js';

/**
 * The Application's health is its worst resource's, by HEALTH_ORDER
 * (Healthy < Suspended < Progressing < Missing < Degraded < Unknown); the first of equals wins so its
 * message is the one shown. An empty list is Healthy.
 */
export function worstHealth(list: readonly HealthStatus[]): HealthStatus {
  let worst: HealthStatus = { status: 'Healthy' };
  for (const health of list) if (isWorse(health.status, worst.status)) worst = health;
  return worst;
}
