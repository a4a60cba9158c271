export type HealthStatusCode = 'Healthy' | 'Suspended' | 'Progressing' | 'Missing' | 'Degraded' | 'Unknown';

export interface HealthStatus {
  status: HealthStatusCode;
  message?: string;
}

/**
 * Argo CD's order (gitops-engine `pkg/health/health.go` `healthOrder`), best to worst. Unknown ranks
 * worst: a status we cannot assess must not let an Application read as Healthy.
 */
export const HEALTH_ORDER: readonly HealthStatusCode[] = ['Healthy', 'Suspended', 'Progressing', 'Missing', 'Degraded', 'Unknown'];

export function isWorse(a: HealthStatusCode, b: HealthStatusCode): boolean {
  return HEALTH_ORDER.indexOf(a) > HEALTH_ORDER.indexOf(b);
}

