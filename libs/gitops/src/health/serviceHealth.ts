import type { KubeObject } from '@skiff/apimachinery';
import type { HealthStatus } from './healthStatus.js';

/** A LoadBalancer Service is Progressing until an ingress address is assigned; other Services are Healthy. */
export function serviceHealth(service: KubeObject): HealthStatus {
  const spec = (service.spec ?? {}) as { type?: string };
  if (spec.type !== 'LoadBalancer') return { status: 'Healthy' };
  const status = (service.status ?? {}) as { loadBalancer?: { ingress?: unknown[] } };
  return (status.loadBalancer?.ingress?.length ?? 0) > 0 ? { status: 'Healthy' } : { status: 'Progressing', message: 'Waiting for a load balancer address' };
}
