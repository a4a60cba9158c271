import type { DaemonSet, RollingUpdateDaemonSet } from 'kubernetes-types/apps/v1.js';
import type { PodSpec } from 'kubernetes-types/core/v1.js';
import { defaultPodSpec } from '../defaults.js';

/**
 * Kubernetes' SetDefaults_DaemonSet (apps/v1): RollingUpdate with maxUnavailable 1 and maxSurge 0,
 * ten revisions of history, the template's pod defaults, and the status counts that are never
 * omitted.
 */
export function defaultDaemonSet(ds: DaemonSet): void {
  const spec = (ds.spec ??= {} as DaemonSet['spec'] & object);
  const strategy = (spec.updateStrategy ??= {});
  strategy.type ??= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    const ru: RollingUpdateDaemonSet = (strategy.rollingUpdate ??= {});
    ru.maxUnavailable ??= 1;
    ru.maxSurge ??= 0;
  }
  spec.revisionHistoryLimit ??= 10;
  const template = (spec.template ??= {});
  // An absent pod spec is defaulted as an empty one, so validation names its missing containers.
  defaultPodSpec((template.spec ??= {} as PodSpec) as never);
  const status = ((ds as { status?: Record<string, unknown> }).status ??= {});
  for (const f of ['currentNumberScheduled', 'numberMisscheduled', 'desiredNumberScheduled', 'numberReady']) status[f] ??= 0;
}
