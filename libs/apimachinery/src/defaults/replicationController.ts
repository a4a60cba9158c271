import type { PodSpec, ReplicationController } from 'kubernetes-types/core/v1.js';
import { defaultPodSpec } from '../defaults.js';

/**
 * Kubernetes' SetDefaults_ReplicationController: an empty selector, and empty labels, become the
 * template's labels; one replica; the template's pod defaults; `status.replicas` is never omitted.
 */
export function defaultReplicationController(rc: ReplicationController): void {
  const spec = (rc.spec ??= {});
  const labels = spec.template?.metadata?.labels;
  if (labels) {
    if (!spec.selector || Object.keys(spec.selector).length === 0) spec.selector = { ...labels };
    const meta = (rc.metadata ??= {});
    if (!meta.labels || Object.keys(meta.labels).length === 0) meta.labels = { ...labels };
  }
  spec.replicas ??= 1;
  if (spec.template) defaultPodSpec((spec.template.spec ??= {} as PodSpec) as never);
  ((rc as { status?: Record<string, unknown> }).status ??= {}).replicas ??= 0;
}
