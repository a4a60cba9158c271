import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import { CONTROLLER_REVISION_HASH, newStatefulSetPod, type ClaimObject, type PodObject, type StatefulSetObject } from '../statefulset/statefulPods.js';

/** Builders for the planning tests: `makeSet(3).parallel().build()`, `makeStatefulPod(set, 0).ready().build()`. */
export function makeSet(replicas: number) {
  const set: StatefulSetObject = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-web', generation: 1 },
    spec: {
      replicas,
      serviceName: 'web',
      selector: { matchLabels: { app: 'web' } },
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'v1' }] } },
    },
  };
  const spec = set.spec as StatefulSet['spec'] & object;
  const b = {
    parallel() {
      spec.podManagementPolicy = 'Parallel';
      return b;
    },
    onDelete() {
      spec.updateStrategy = { type: 'OnDelete' };
      return b;
    },
    partition(n: number) {
      spec.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { partition: n } };
      return b;
    },
    image(image: string) {
      spec.template.spec!.containers[0].image = image;
      return b;
    },
    minReadySeconds(n: number) {
      spec.minReadySeconds = n;
      return b;
    },
    claims(...names: string[]) {
      spec.volumeClaimTemplates = names.map((name): PersistentVolumeClaim => ({ metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }));
      return b;
    },
    retention(whenDeleted: 'Retain' | 'Delete', whenScaled: 'Retain' | 'Delete') {
      spec.persistentVolumeClaimRetentionPolicy = { whenDeleted, whenScaled };
      return b;
    },
    deleting() {
      set.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
      return b;
    },
    build: () => set,
  };
  return b;
}

export function makeStatefulPod(set: StatefulSetObject, ordinal: number, revision = 'web-rev1') {
  const pod: PodObject = { ...newStatefulSetPod(set, ordinal), status: { phase: 'Pending', conditions: [] } };
  pod.metadata.uid = `uid-${pod.metadata.name}`;
  pod.metadata.labels![CONTROLLER_REVISION_HASH] = revision;
  const status = pod.status as { phase: string; conditions: { type: string; status: string; lastTransitionTime?: string }[] };
  const b = {
    ready(since = '2026-01-01T00:00:00Z') {
      status.phase = 'Running';
      status.conditions.push({ type: 'Ready', status: 'True', lastTransitionTime: since });
      return b;
    },
    running() {
      status.phase = 'Running';
      return b;
    },
    phase(p: string) {
      status.phase = p;
      return b;
    },
    terminating() {
      pod.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
      return b;
    },
    label(k: string, v: string | undefined) {
      if (v === undefined) delete pod.metadata.labels![k];
      else pod.metadata.labels![k] = v;
      return b;
    },
    build: () => pod,
  };
  return b;
}

export function makeClaim(name: string, owners: { kind: string; name: string; uid: string; apiVersion?: string }[] = []): ClaimObject {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, ...(owners.length ? { ownerReferences: owners.map((o) => ({ apiVersion: o.apiVersion ?? 'v1', ...o })) } : {}) },
    spec: {},
  };
}
