import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { podForJob } from './jobPods.js';
import { matchPodFailurePolicy } from './podFailurePolicy.js';

const job = (spec: Record<string, unknown> = {}): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name: 'pi', namespace: 'default', uid: 'job-uid' },
  spec: {
    completionMode: 'Indexed',
    template: { metadata: { labels: { 'job-name': 'pi' } }, spec: { restartPolicy: 'Never', initContainers: [{ name: 'init', image: 'busybox' }], containers: [{ name: 'main', image: 'busybox', env: [{ name: 'A', value: '1' }] }] } },
    ...spec,
  },
});

describe('podForJob', () => {
  it('gives an Indexed pod its index four ways, the tracking finalizer and a controller reference', () => {
    const pod = podForJob(job(), 3) as unknown as Pod;
    const env = { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } };
    expect(pod.metadata).toEqual({
      generateName: 'pi-3-',
      namespace: 'default',
      labels: { 'job-name': 'pi', 'batch.kubernetes.io/job-completion-index': '3' },
      annotations: { 'batch.kubernetes.io/job-completion-index': '3' },
      finalizers: ['batch.kubernetes.io/job-tracking'],
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'Job', name: 'pi', uid: 'job-uid', controller: true, blockOwnerDeletion: true }],
    });
    expect(pod.spec?.hostname).toBe('pi-3');
    expect(pod.spec?.containers[0].env).toEqual([{ name: 'A', value: '1' }, env]);
    expect(pod.spec?.initContainers?.[0].env).toEqual([env]);
  });

  it('leaves a NonIndexed pod as the template says', () => {
    const pod = podForJob(job({ completionMode: 'NonIndexed' })) as unknown as Pod;
    expect(pod.metadata?.generateName).toBe('pi-');
    expect(pod.metadata?.annotations).toBeUndefined();
    expect(pod.spec?.hostname).toBeUndefined();
    expect(pod.spec?.containers[0].env).toEqual([{ name: 'A', value: '1' }]);
  });
});

describe('matchPodFailurePolicy', () => {
  const policyJob = (rules: unknown[]): Job => ({ metadata: { name: 'j' }, spec: { template: {}, podFailurePolicy: { rules } } }) as unknown as Job;
  const failedPod = (exits: Record<string, number>, init: Record<string, number> = {}, conditions: string[] = []): Pod => ({
    metadata: { name: 'p', namespace: 'ns' },
    status: {
      phase: 'Failed',
      conditions: conditions.map((type) => ({ type, status: 'True' })),
      containerStatuses: Object.entries(exits).map(([name, exitCode]) => ({ name, image: '', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode } } })),
      initContainerStatuses: Object.entries(init).map(([name, exitCode]) => ({ name, image: '', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode } } })),
    },
  });
  it.each([
    ['no rule matches: counted', [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [42] } }], failedPod({ main: 1 }), { countFailed: true }],
    ['Ignore on a condition', [{ action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }], failedPod({ main: 137 }, {}, ['DisruptionTarget']), { countFailed: false, action: 'Ignore' }],
    ['Count on NotIn', [{ action: 'Count', onExitCodes: { operator: 'NotIn', values: [1, 2] } }], failedPod({ main: 3 }), { countFailed: true, action: 'Count' }],
    ['the first matching rule wins', [{ action: 'Ignore', onExitCodes: { operator: 'In', values: [5] } }, { action: 'FailJob', onExitCodes: { operator: 'In', values: [5] } }], failedPod({ main: 5 }), { countFailed: false, action: 'Ignore' }],
    ['containerName narrows the rule', [{ action: 'FailJob', onExitCodes: { containerName: 'side', operator: 'In', values: [5] } }], failedPod({ main: 5 }), { countFailed: true }],
    [
      'an init container exit code',
      [{ action: 'FailJob', onExitCodes: { operator: 'In', values: [7] } }],
      failedPod({}, { init: 7 }),
      { countFailed: true, action: 'FailJob', failJobMessage: 'Container init for pod ns/p failed with exit code 7 matching FailJob rule at index 0' },
    ],
    [
      'FailJob on a condition',
      [{ action: 'Count', onExitCodes: { operator: 'In', values: [9] } }, { action: 'FailJob', onPodConditions: [{ type: 'ConfigIssue', status: 'True' }] }],
      failedPod({ main: 1 }, {}, ['ConfigIssue']),
      { countFailed: true, action: 'FailJob', failJobMessage: 'Pod ns/p has condition ConfigIssue matching FailJob rule at index 1' },
    ],
  ])('%s', (_, rules, pod, want) => {
    expect(matchPodFailurePolicy(policyJob(rules), pod)).toEqual(want);
  });
});
