import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { assessHealth } from './assessHealth.js';

function sts(spec: Record<string, unknown>, status: Record<string, unknown>, generation = 1): KubeObject {
  return { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web', generation }, spec: { replicas: 3, ...spec }, status: { observedGeneration: 1, replicas: 3, ...status } };
}

const rolling = (partition?: number) => ({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: partition === undefined ? {} : { partition } } });

describe('StatefulSet health', () => {
  it.each<[string, KubeObject, string, string]>([
    ['spec not observed yet', sts({}, {}, 2), 'Progressing', 'Waiting for statefulset spec update to be observed...'],
    ['pods not ready', sts(rolling(0), { readyReplicas: 1 }), 'Progressing', 'Waiting for 2 pods to be ready...'],
    ['partition 1, one of two updated', sts(rolling(1), { readyReplicas: 3, updatedReplicas: 1 }), 'Progressing', 'Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated...'],
    ['partition 0, all updated', sts(rolling(0), { readyReplicas: 3, updatedReplicas: 3 }), 'Healthy', 'partitioned roll out complete: 3 new pods have been updated...'],
    ['OnDelete', sts({ updateStrategy: { type: 'OnDelete' } }, { readyReplicas: 3 }), 'Healthy', 'statefulset has 3 ready pods'],
    ['revision not current yet', sts({}, { readyReplicas: 3, updatedReplicas: 2, currentRevision: 'a', updateRevision: 'b' }), 'Progressing', 'waiting for statefulset rolling update to complete 2 pods at revision b...'],
    ['done', sts({}, { readyReplicas: 3, currentReplicas: 3, currentRevision: 'b', updateRevision: 'b' }), 'Healthy', 'statefulset rolling update complete 3 pods at revision b...'],
  ])('%s', (_, obj, status, message) => {
    expect(assessHealth(obj)).toEqual({ status, message });
  });
});
