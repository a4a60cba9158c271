import { describe, expect, it } from 'vitest';
import { defaultCronJob, defaultJob, prepareJobForCreate } from '../batchDefaults.js';
import type { KubeObject } from '../types.js';
import { dedupe, type FieldErrors } from './fieldErrors.js';
import { validateCronJob, validateJob, validateJobUpdate } from './job.js';

const podTemplate = (restartPolicy?: string) => ({
  spec: { ...(restartPolicy ? { restartPolicy } : {}), containers: [{ name: 'main', image: 'busybox:1.36', command: ['true'] }] },
});

/** A Job as a create reaches validation: defaulted, selector generated. */
function newJob(spec: Record<string, unknown>, name = 'pi'): KubeObject {
  const job: KubeObject = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name, namespace: 'default' }, spec: { template: podTemplate('Never'), ...spec } };
  defaultJob(job);
  return prepareJobForCreate(job, () => 'uid-1');
}

const jobMessages = (job: KubeObject) => {
  const errs: FieldErrors = [];
  validateJob(job, errs);
  return dedupe(errs).map((c) => `${c.field}: ${c.message}`);
};

describe('Job defaulting and selector generation', () => {
  it('fills in what kube-apiserver does for a bare Job', () => {
    const job = newJob({});
    expect(job.spec).toMatchObject({
      completions: 1,
      parallelism: 1,
      backoffLimit: 6,
      completionMode: 'NonIndexed',
      suspend: false,
      manualSelector: false,
      podReplacementPolicy: 'TerminatingOrFailed',
      selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': 'uid-1' } },
    });
    const labels = { 'batch.kubernetes.io/controller-uid': 'uid-1', 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': 'uid-1', 'job-name': 'pi' };
    expect((job.spec as { template: { metadata: { labels: unknown } } }).template.metadata.labels).toEqual(labels);
    expect(job.metadata.labels).toEqual(labels);
    expect(job.metadata.uid).toBe('uid-1');
    expect(jobMessages(job)).toEqual([]);
  });

  it.each([
    ['completions alone gets parallelism 1', { completions: 5 }, { completions: 5, parallelism: 1 }],
    ['a pod failure policy means pods are replaced once Failed', { podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget' }] }] } }, { podReplacementPolicy: 'Failed', podFailurePolicy: { rules: [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] } }],
  ])('%s', (_, spec, want) => {
    expect(newJob(spec).spec).toMatchObject(want);
  });

  it('leaves completions unset when only parallelism is given (a work queue)', () => {
    const spec = newJob({ parallelism: 3 }).spec as Record<string, unknown>;
    expect(spec.parallelism).toBe(3);
    expect(spec).not.toHaveProperty('completions');
  });

  it('keeps the Job labels the user set and leaves a manual selector alone', () => {
    const job: KubeObject = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'm', labels: { team: 'a' } }, spec: { manualSelector: true, selector: { matchLabels: { app: 'm' } }, template: { metadata: { labels: { app: 'm' } }, ...podTemplate('Never') } } };
    defaultJob(job);
    const out = prepareJobForCreate(job, () => 'u');
    expect(out.metadata.labels).toEqual({ team: 'a' });
    expect((out.spec as { selector: unknown }).selector).toEqual({ matchLabels: { app: 'm' } });
    expect(jobMessages(out)).toEqual([]);
  });
});

describe('Job validation', () => {
  it.each([
    ['restartPolicy Always (the pod default)', { template: podTemplate() }, ['spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"']],
    ['negative counts', { parallelism: -1, backoffLimit: -2 }, ['spec.parallelism: Invalid value: -1: must be greater than or equal to 0', 'spec.backoffLimit: Invalid value: -2: must be greater than or equal to 0']],
    ['an unknown completion mode', { completionMode: 'Sometimes' }, ['spec.completionMode: Unsupported value: "Sometimes": supported values: "NonIndexed", "Indexed"']],
    ['Indexed without completions', { completionMode: 'Indexed', parallelism: 2 }, ['spec.completions: Required value: when completion mode is Indexed']],
    ['a pod failure policy needs restartPolicy Never', { template: podTemplate('OnFailure'), podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [1] } }] } }, ['spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified']],
    ['exit codes: 0 with In, unordered, repeated', { podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [0, 3, 3, 2] } }] } }, [
      'spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator',
      'spec.podFailurePolicy.rules[0].onExitCodes.values[2]: Duplicate value: 3',
      'spec.podFailurePolicy.rules[0].onExitCodes.values: Invalid value: [0,3,3,2]: must be ordered',
    ]],
    ['a rule with neither requirement', { podFailurePolicy: { rules: [{ action: 'Ignore' }] } }, ['spec.podFailurePolicy.rules[0]: Invalid value: "null": specifying one of OnExitCodes and OnPodConditions is required']],
    ['an unknown action', { podFailurePolicy: { rules: [{ action: 'Retry', onPodConditions: [{ type: 'DisruptionTarget' }] }] } }, ['spec.podFailurePolicy.rules[0].action: Unsupported value: "Retry": supported values: "Count", "FailIndex", "FailJob", "Ignore"']],
  ])('%s', (_, spec, want) => {
    expect(jobMessages(newJob(spec))).toEqual(want);
  });

  it('refuses generated labels that were set to something else', () => {
    const job = newJob({});
    (job.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels['job-name'] = 'other';
    expect(jobMessages(job)).toEqual([`spec.template.metadata.labels[job-name]: Invalid value: map[string]string{"batch.kubernetes.io/controller-uid":"uid-1", "batch.kubernetes.io/job-name":"pi", "controller-uid":"uid-1", "job-name":"other"}: must be 'pi'`]);
  });

  it('refuses an Indexed Job whose last hostname is not a DNS label', () => {
    const name = 'x'.repeat(62);
    expect(jobMessages(newJob({ completionMode: 'Indexed', completions: 10, parallelism: 1 }, name))).toContain(`metadata.name: Invalid value: "${name}": will not able to create pod with invalid DNS label: ${name}-9`);
  });

  it('keeps the spec fixed on update, but lets parallelism and suspend change', () => {
    const before = newJob({ completions: 3 });
    const after = structuredClone(before);
    Object.assign(after.spec as object, { parallelism: 2, suspend: true });
    const errs: FieldErrors = [];
    validateJobUpdate(after, before, errs);
    expect(errs).toEqual([]);
    (after.spec as { completions: number }).completions = 4;
    (after.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0].image = 'busybox:1.37';
    validateJobUpdate(after, before, errs);
    expect(errs.map((c) => `${c.field}: ${c.message.replace(/: \{.*\}: /, ': {...}: ')}`)).toEqual(['spec.completions: Invalid value: 4: field is immutable', 'spec.template: Invalid value: {...}: field is immutable']);
  });
});

describe('CronJob defaulting and validation', () => {
  const cronJob = (spec: Record<string, unknown>, name = 'hello'): KubeObject => {
    const cj: KubeObject = { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name, namespace: 'default' }, spec: { schedule: '*/1 * * * *', jobTemplate: { spec: { template: podTemplate('OnFailure') } }, ...spec } };
    defaultCronJob(cj);
    return cj;
  };
  const messages = (cj: KubeObject) => {
    const errs: FieldErrors = [];
    validateCronJob(cj, errs);
    return errs.map((c) => `${c.field}: ${c.message}`);
  };

  it('defaults the policies and history limits', () => {
    expect(cronJob({}).spec).toMatchObject({ concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    expect(messages(cronJob({}))).toEqual([]);
  });

  it.each([
    ['a malformed schedule', { schedule: '* * *' }, ['spec.schedule: Invalid value: "* * *": expected exactly 5 fields, found 3: [* * *]']],
    ['TZ in the schedule', { schedule: 'TZ=UTC 0 * * * *' }, ['spec.schedule: Invalid value: "TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead']],
    ['CRON_TZ in the schedule', { schedule: 'CRON_TZ=UTC 0 * * * *' }, ['spec.schedule: Invalid value: "CRON_TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead']],
    ['an unknown time zone', { timeZone: 'Mars/Olympus' }, ['spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus']],
    ['the Local time zone', { timeZone: 'Local' }, ['spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones']],
    ['an unknown concurrency policy', { concurrencyPolicy: 'Sometimes' }, ['spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"']],
    ['a selector in the job template', { jobTemplate: { spec: { selector: { matchLabels: { a: 'b' } }, template: podTemplate('Never') } } }, ['spec.jobTemplate.spec.selector: Invalid value: {"matchLabels":{"a":"b"}}: `selector` will be auto-generated']],
  ])('refuses %s', (_, spec, want) => {
    expect(messages(cronJob(spec))).toEqual(want);
  });

  it('accepts a time zone and refuses names the Jobs could not extend', () => {
    expect(messages(cronJob({ timeZone: 'Europe/Berlin' }))).toEqual([]);
    const long = 'c'.repeat(53);
    expect(messages(cronJob({}, long))).toEqual([`metadata.name: Invalid value: "${long}": must be no more than 52 characters`]);
  });
});
