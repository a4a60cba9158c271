import type { KubeObject } from '@skiff/apimachinery';

/** Small builders for planning tests: `makeRS('old').replicas(3).available(3).build()`. */
export function makeRS(name: string) {
  const rs: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, annotations: {}, creationTimestamp: '2026-01-01T00:00:00Z', generation: 1 },
    spec: { replicas: 0, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: name }] } } },
    status: { replicas: 0, readyReplicas: 0, availableReplicas: 0, observedGeneration: 1 },
  };
  const spec = rs.spec as { replicas: number };
  const status = rs.status as { replicas: number; readyReplicas: number; availableReplicas: number };
  const b = {
    replicas(n: number) {
      spec.replicas = n;
      status.replicas = n;
      return b;
    },
    available(n: number) {
      status.availableReplicas = n;
      status.readyReplicas = n;
      return b;
    },
    statusReplicas(n: number) {
      status.replicas = n;
      return b;
    },
    created(at: string) {
      rs.metadata.creationTimestamp = at;
      return b;
    },
    annotate(k: string, v: string) {
      rs.metadata.annotations![k] = v;
      return b;
    },
    revision(n: number) {
      return b.annotate('deployment.kubernetes.io/revision', String(n));
    },
    build: () => rs,
  };
  return b;
}

export function makeDeployment(replicas: number, strategy: { type?: string; maxSurge?: number | string; maxUnavailable?: number | string } = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', uid: 'uid-web', generation: 1, annotations: {} },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      strategy:
        strategy.type === 'Recreate'
          ? { type: 'Recreate' }
          : { type: 'RollingUpdate', rollingUpdate: { maxSurge: strategy.maxSurge ?? '25%', maxUnavailable: strategy.maxUnavailable ?? '25%' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'new' }] } },
    },
  };
}

export function makePod(name: string) {
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: '2026-01-01T00:00:00Z' },
    spec: { containers: [{ name: 'c', image: 'x' }] },
    status: { phase: 'Pending', conditions: [] },
  };
  const spec = pod.spec as { nodeName?: string };
  const status = pod.status as { phase: string; conditions: { type: string; status: string; lastTransitionTime?: string }[]; containerStatuses?: { restartCount: number }[] };
  const b = {
    node(n: string) {
      spec.nodeName = n;
      return b;
    },
    phase(p: string) {
      status.phase = p;
      return b;
    },
    ready(since = '2026-01-01T00:00:00Z') {
      status.phase = 'Running';
      status.conditions.push({ type: 'Ready', status: 'True', lastTransitionTime: since });
      return b;
    },
    restarts(n: number) {
      status.containerStatuses = [{ restartCount: n }];
      return b;
    },
    created(at: string) {
      pod.metadata.creationTimestamp = at;
      return b;
    },
    build: () => pod,
  };
  return b;
}
