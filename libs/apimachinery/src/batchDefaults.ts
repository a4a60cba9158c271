import { randomUUID } from 'node:crypto';
import { deepEqual } from './deepEqual.js';
import { defaultPodSpec } from './defaults.js';
import type { KubeObject } from './types.js';
import { JOB_CONTROLLER_UID_LABEL, JOB_NAME_LABEL, LEGACY_JOB_CONTROLLER_UID_LABEL, LEGACY_JOB_NAME_LABEL } from './validation/job.js';

/**
 * Kubernetes' batch/v1 defaulting (pkg/apis/batch/v1/defaults.go) and the Job strategy's
 * create-time selector generation (pkg/registry/batch/job/strategy.go). Like `applyDefaults`,
 * the defaulting functions change their argument only where a value is missing and are
 * idempotent.
 */

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function child(o: Json, key: string): Json {
  if (!isObject(o[key])) o[key] = {};
  return o[key] as Json;
}

function setDefault(o: Json, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null) o[key] = value;
}

/** The largest int32: a Job limited per index has, in effect, no global backoff limit. */
const MAX_INT32 = 2 ** 31 - 1;

/** SetDefaults_Job, in place. */
export function defaultJob(job: KubeObject): void {
  const spec = child(job, 'spec');
  // A Job that says neither runs one pod to one completion.
  if ((spec.completions === undefined || spec.completions === null) && (spec.parallelism === undefined || spec.parallelism === null)) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  setDefault(spec, 'parallelism', 1);
  setDefault(spec, 'backoffLimit', spec.backoffLimitPerIndex !== undefined && spec.backoffLimitPerIndex !== null ? MAX_INT32 : 6);
  setDefault(spec, 'completionMode', 'NonIndexed');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'manualSelector', false);
  const policy = isObject(spec.podFailurePolicy) ? spec.podFailurePolicy : undefined;
  if (policy && Array.isArray(policy.rules)) {
    for (const rule of policy.rules) {
      if (!isObject(rule) || !Array.isArray(rule.onPodConditions)) continue;
      for (const pattern of rule.onPodConditions) if (isObject(pattern)) setDefault(pattern, 'status', 'True');
    }
  }
  setDefault(spec, 'podReplacementPolicy', policy ? 'Failed' : 'TerminatingOrFailed');
  const template = child(spec, 'template');
  defaultPodSpec(child(template, 'spec'));
  defaultJobLabels(job);
  child(job, 'status');
}

/** A Job without labels of its own carries its pod template's (the generated ones included, once there). */
function defaultJobLabels(job: KubeObject): void {
  const template = isObject(job.spec) && isObject(job.spec.template) ? job.spec.template : {};
  const templateLabels = isObject(template.metadata) && isObject(template.metadata.labels) ? (template.metadata.labels as Record<string, string>) : undefined;
  if (templateLabels && Object.keys(job.metadata.labels ?? {}).length === 0) job.metadata.labels = { ...templateLabels };
}

/** SetDefaults_CronJob, in place; the job template's pod spec is defaulted like any pod template. */
export function defaultCronJob(cj: KubeObject): void {
  const spec = child(cj, 'spec');
  setDefault(spec, 'concurrencyPolicy', 'Allow');
  setDefault(spec, 'suspend', false);
  setDefault(spec, 'successfulJobsHistoryLimit', 3);
  setDefault(spec, 'failedJobsHistoryLimit', 1);
  const jobSpec = child(child(spec, 'jobTemplate'), 'spec');
  defaultPodSpec(child(child(jobSpec, 'template'), 'spec'));
  child(cj, 'status');
}

/**
 * The Job strategy's PrepareForCreate, in place (and returned): a new Job gets its uid now (the store keeps it), and unless
 * `manualSelector` is set, the labels `batch.kubernetes.io/controller-uid`, `batch.kubernetes.io/job-name`,
 * `controller-uid` and `job-name` on its pod template and a selector on the uid label. Labels the
 * user set are kept (validation refuses them if they disagree). A Job whose labels came from its
 * template (`defaultJob`) carries the generated ones too, as in Kubernetes.
 */
export function prepareJobForCreate(out: KubeObject, newUid: () => string = randomUUID): KubeObject {
  out.metadata.uid ||= newUid();
  const spec = child(out, 'spec');
  if (spec.manualSelector === true) return out;
  const meta = child(child(spec, 'template'), 'metadata');
  const labels = child(meta, 'labels') as Record<string, string>;
  // Defaulting made the Job's labels the template's very map in Kubernetes, so they grow with it.
  const sharesTemplateLabels = Object.keys(out.metadata.labels ?? {}).length === 0 || deepEqual(out.metadata.labels, labels);
  const name = out.metadata.name ?? '';
  const uid = out.metadata.uid!;
  for (const key of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) if (labels[key] === undefined) labels[key] = name;
  for (const key of [LEGACY_JOB_CONTROLLER_UID_LABEL, JOB_CONTROLLER_UID_LABEL]) if (labels[key] === undefined) labels[key] = uid;
  const selector = child(spec, 'selector');
  const matchLabels = child(selector, 'matchLabels') as Record<string, string>;
  if (matchLabels[JOB_CONTROLLER_UID_LABEL] === undefined) matchLabels[JOB_CONTROLLER_UID_LABEL] = uid;
  if (sharesTemplateLabels) out.metadata.labels = { ...labels };
  return out;
}
