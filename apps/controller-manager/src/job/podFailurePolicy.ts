import type { Job, PodFailurePolicyOnExitCodesRequirement, PodFailurePolicyOnPodConditionsPattern } from 'kubernetes-types/batch/v1.js';
import type { ContainerStatus, Pod } from 'kubernetes-types/core/v1.js';

export interface PolicyMatch {
  /** FailJob: the Job fails with this message. */
  failJobMessage?: string;
  /** Whether the failure counts toward backoffLimit (false for Ignore). */
  countFailed: boolean;
  action?: 'FailJob' | 'Ignore' | 'Count' | 'FailIndex';
}

function exitCodeMatches(code: number, req: PodFailurePolicyOnExitCodesRequirement): boolean {
  const listed = req.values.includes(code);
  return req.operator === 'In' ? listed : req.operator === 'NotIn' ? !listed : false;
}

/** The first terminated, non-zero container (regular ones before init ones) the requirement matches. */
function matchingContainer(pod: Pod, req: PodFailurePolicyOnExitCodesRequirement): ContainerStatus | undefined {
  for (const list of [pod.status?.containerStatuses ?? [], pod.status?.initContainerStatuses ?? []]) {
    for (const s of list) {
      const code = s.state?.terminated?.exitCode;
      if (code === undefined || code === 0) continue;
      if (req.containerName && req.containerName !== s.name) continue;
      if (exitCodeMatches(code, req)) return s;
    }
  }
  return undefined;
}

function matchingCondition(pod: Pod, patterns: PodFailurePolicyOnPodConditionsPattern[]): string | undefined {
  for (const pattern of patterns) {
    const c = pod.status?.conditions?.find((x) => x.type === pattern.type && x.status === (pattern.status ?? 'True'));
    if (c) return c.type;
  }
  return undefined;
}

/**
 * Which rule of the Job's podFailurePolicy a failed pod meets, first rule first (Kubernetes'
 * matchPodFailurePolicy). No policy, or no rule matching: the failure counts.
 *
 * Example: rules [FailJob on exit code 42 of "main", Ignore on DisruptionTarget]; a pod whose main
 * container exited 42 fails the Job with "Container main for pod default/p failed with exit code
 * 42 matching FailJob rule at index 0"; an evicted one (DisruptionTarget=True) is not counted.
 */
export function matchPodFailurePolicy(job: Job, pod: Pod): PolicyMatch {
  const rules = job.spec?.podFailurePolicy?.rules ?? [];
  const where = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
  for (const [index, rule] of rules.entries()) {
    let failJobMessage: string | undefined;
    if (rule.onExitCodes) {
      const s = matchingContainer(pod, rule.onExitCodes);
      if (!s) continue;
      failJobMessage = `Container ${s.name} for pod ${where} failed with exit code ${s.state!.terminated!.exitCode} matching FailJob rule at index ${index}`;
    } else if (rule.onPodConditions?.length) {
      const type = matchingCondition(pod, rule.onPodConditions);
      if (!type) continue;
      failJobMessage = `Pod ${where} has condition ${type} matching FailJob rule at index ${index}`;
    } else continue;
    switch (rule.action) {
      case 'Ignore':
        return { countFailed: false, action: 'Ignore' };
      case 'Count':
        return { countFailed: true, action: 'Count' };
      case 'FailJob':
        return { failJobMessage, countFailed: true, action: 'FailJob' };
      case 'FailIndex':
        // Needs backoffLimitPerIndex, which Skiff does not implement: counted like a plain failure.
        return { countFailed: true, action: 'FailIndex' };
    }
  }
  return { countFailed: true };
}
