import type { KubeObject } from '@skiff/apimachinery';
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Container, Pod } from 'kubernetes-types/core/v1.js';
import { ownerReferenceTo } from '../common/ownership.js';

/** The finalizer that keeps a Job's finished pod until the Job controller has counted it. */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
/** An Indexed Job's pod carries its index as this annotation and label. */
export const JOB_COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
export const JOB_COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';

/** The API returns loose objects; the Job controller reads them through kubernetes-types' shapes. */
export const asJob = (obj: KubeObject): Job => obj as unknown as Job;
export const asPod = (obj: KubeObject): Pod => obj as unknown as Pod;

export function phaseOf(pod: Pod): string {
  return pod.status?.phase ?? 'Pending';
}

export function hasTrackingFinalizer(pod: Pod): boolean {
  return pod.metadata?.finalizers?.includes(JOB_TRACKING_FINALIZER) ?? false;
}

/** Counts toward status.active: neither finished nor being deleted. */
export function isActive(pod: Pod): boolean {
  const phase = phaseOf(pod);
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}

/** Being deleted and not finished yet: status.terminating. */
export function isTerminating(pod: Pod): boolean {
  const phase = phaseOf(pod);
  return !!pod.metadata?.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed';
}

/**
 * A failure for the Job: phase Failed, or deleted before it succeeded (an evicted or lost pod may
 * never reach Failed) unless the Job replaces pods only once they have failed.
 */
export function isPodFailed(pod: Pod, job: Job): boolean {
  if (phaseOf(pod) === 'Failed') return true;
  if (job.spec?.podReplacementPolicy === 'Failed' || job.spec?.podFailurePolicy) return false;
  return !!pod.metadata?.deletionTimestamp && phaseOf(pod) !== 'Succeeded';
}

export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** The completion index of an Indexed Job's pod, or undefined when it has none that parses. */
export function completionIndexOf(pod: Pod): number | undefined {
  const raw = pod.metadata?.annotations?.[JOB_COMPLETION_INDEX];
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/**
 * When a pod finished (ms), as Kubernetes estimates it: the last container's finishedAt once all
 * have terminated, else when it became not Ready, else its deletion time minus the grace period,
 * else its creation.
 */
export function finishedTime(pod: Pod): number {
  const statuses = pod.status?.containerStatuses ?? [];
  if (statuses.length && statuses.every((s) => s.state?.terminated?.finishedAt)) {
    return Math.max(...statuses.map((s) => Date.parse(s.state!.terminated!.finishedAt!)));
  }
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status === 'False' && ready.lastTransitionTime) return Date.parse(ready.lastTransitionTime);
  if (pod.metadata?.deletionTimestamp) return Date.parse(pod.metadata.deletionTimestamp) - (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
  return Date.parse(pod.metadata?.creationTimestamp ?? '') || 0;
}

/** Pod names are generated from `<job>-` (or `<job>-<index>-`), cut so the random suffix still fits 63. */
const MAX_GENERATE_NAME_BASE = 58;

function withCompletionIndexEnv(containers: Container[] | undefined): Container[] | undefined {
  return containers?.map((c) =>
    c.env?.some((e) => e.name === JOB_COMPLETION_INDEX_ENV)
      ? c
      : { ...c, env: [...(c.env ?? []), { name: JOB_COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX}']` } } }] },
  );
}

/**
 * A pod as the Job's template says, controlled by the Job and held by the tracking finalizer. An
 * Indexed Job's pod also gets its index (annotation, label, JOB_COMPLETION_INDEX in every
 * container) and the hostname `<job>-<index>`.
 */
export function podForJob(job: KubeObject, index?: number): KubeObject {
  const spec = asJob(job).spec!;
  const meta = spec.template.metadata ?? {};
  const name = job.metadata.name!;
  const podSpec = structuredClone(spec.template.spec ?? { containers: [] });
  const labels = { ...(meta.labels ?? {}) };
  const annotations = { ...(meta.annotations ?? {}) };
  let generateName = `${name}-`;
  if (index !== undefined) {
    annotations[JOB_COMPLETION_INDEX] = String(index);
    labels[JOB_COMPLETION_INDEX] = String(index);
    podSpec.hostname = `${name}-${index}`;
    podSpec.containers = withCompletionIndexEnv(podSpec.containers) ?? [];
    podSpec.initContainers = withCompletionIndexEnv(podSpec.initContainers);
    if (!podSpec.initContainers) delete podSpec.initContainers;
    const suffix = `-${index}-`;
    generateName = `${name.slice(0, MAX_GENERATE_NAME_BASE - suffix.length + 1)}${suffix}`;
  }
  const finalizers = [...(meta.finalizers ?? [])];
  if (!finalizers.includes(JOB_TRACKING_FINALIZER)) finalizers.push(JOB_TRACKING_FINALIZER);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: generateName.length > MAX_GENERATE_NAME_BASE + 1 ? generateName.slice(0, MAX_GENERATE_NAME_BASE) : generateName,
      namespace: job.metadata.namespace,
      ...(Object.keys(labels).length ? { labels } : {}),
      ...(Object.keys(annotations).length ? { annotations } : {}),
      finalizers,
      ownerReferences: [ownerReferenceTo(job)],
    },
    spec: podSpec as unknown as Record<string, unknown>,
  };
}
