import type { KubeObject } from '@skiff/apimachinery';
import type { HealthStatus } from './healthStatus.js';

interface JobCondition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

/**
 * A Job as Argo CD judges it: Complete is Healthy, Failed is Degraded (with the Job's reason),
 * suspended is Suspended, anything else is still running.
 */
export function jobHealth(job: KubeObject): HealthStatus {
  const conditions = ((job.status as { conditions?: JobCondition[] } | undefined)?.conditions ?? []).filter((c) => c.status === 'True');
  const failed = conditions.find((c) => c.type === 'Failed');
  if (failed) return { status: 'Degraded', message: failed.message || failed.reason || 'Job failed' };
  if (conditions.some((c) => c.type === 'Complete')) return { status: 'Healthy', message: 'Job completed' };
  if ((job.spec as { suspend?: boolean } | undefined)?.suspend) return { status: 'Suspended', message: 'Job is suspended' };
  return { status: 'Progressing', message: 'Job is running' };
}
