import type { DaemonSet, DaemonSetStatus, DaemonSetUpdateStrategy } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { CONTROLLER_REVISION_HASH, nodeNameAffinity, TEMPLATE_GENERATION_ANNOTATION } from '../daemon/daemonPods.js';

/** `makeNode('a').label('disk', 'ssd').taint('k', 'NoSchedule').build()` */
export function makeNode(name: string) {
  const node: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: {} }, spec: {} };
  const b = {
    label(k: string, v: string) {
      node.metadata!.labels![k] = v;
      return b;
    },
    taint(key: string, effect: Taint['effect'], value?: string) {
      node.spec!.taints = [...(node.spec!.taints ?? []), { key, effect, ...(value !== undefined ? { value } : {}) }];
      return b;
    },
    build: () => node,
  };
  return b;
}

/** `makeDaemonSet().nodeSelector({disk: 'ssd'}).surge(1).build()`; its current revision hash is `new`. */
export function makeDaemonSet(name = 'agent') {
  let ds: DaemonSet = {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, generation: 1, annotations: { [TEMPLATE_GENERATION_ANNOTATION]: '1' } },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'agent:v1' }] } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      revisionHistoryLimit: 10,
    },
  };
  const podSpec = ds.spec!.template.spec!;
  const b = {
    nodeSelector(sel: Record<string, string>) {
      podSpec.nodeSelector = sel;
      return b;
    },
    requiredTerms(terms: NonNullable<NonNullable<NonNullable<typeof podSpec.affinity>['nodeAffinity']>['requiredDuringSchedulingIgnoredDuringExecution']>['nodeSelectorTerms']) {
      podSpec.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } } };
      return b;
    },
    tolerate(t: Toleration) {
      podSpec.tolerations = [...(podSpec.tolerations ?? []), t];
      return b;
    },
    hostNetwork() {
      podSpec.hostNetwork = true;
      return b;
    },
    nodeName(n: string) {
      podSpec.nodeName = n;
      return b;
    },
    strategy(s: DaemonSetUpdateStrategy) {
      ds.spec!.updateStrategy = s;
      return b;
    },
    unavailable(n: number | string) {
      ds.spec!.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: n, maxSurge: 0 } };
      return b;
    },
    surge(n: number | string) {
      ds.spec!.updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: n } };
      return b;
    },
    generation(n: number) {
      ds.metadata = { ...ds.metadata, generation: n };
      return b;
    },
    status(status: Partial<DaemonSetStatus>) {
      ds = { ...ds, status: { currentNumberScheduled: 0, desiredNumberScheduled: 0, numberMisscheduled: 0, numberReady: 0, ...status } };
      return b;
    },
    minReady(s: number) {
      ds.spec!.minReadySeconds = s;
      return b;
    },
    build: () => ds,
  };
  return b;
}

/** A daemon pod: `makeDaemonPod('p1').on('a').hash('old').available().build()`. */
export function makeDaemonPod(name: string) {
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, creationTimestamp: '2026-01-01T00:00:00Z', labels: { app: 'agent', [CONTROLLER_REVISION_HASH]: 'new' } },
    spec: { containers: [{ name: 'c', image: 'agent:v1' }] },
    status: { phase: 'Pending', conditions: [] },
  };
  const b = {
    /** Bound to the node. */
    on(node: string) {
      pod.spec!.nodeName = node;
      return b;
    },
    /** Not bound yet, aimed at the node by its affinity. */
    aimedAt(node: string) {
      pod.spec!.affinity = nodeNameAffinity(undefined, node);
      return b;
    },
    hash(h: string) {
      pod.metadata!.labels![CONTROLLER_REVISION_HASH] = h;
      return b;
    },
    phase(p: string) {
      pod.status!.phase = p;
      return b;
    },
    ready(since = '2026-01-01T00:00:00Z') {
      pod.status!.phase = 'Running';
      pod.status!.conditions = [{ type: 'Ready', status: 'True', lastTransitionTime: since }];
      return b;
    },
    deleting() {
      pod.metadata = { ...pod.metadata, deletionTimestamp: '2026-01-02T00:00:00Z' };
      return b;
    },
    created(at: string) {
      pod.metadata = { ...pod.metadata, creationTimestamp: at };
      return b;
    },
    build: () => pod,
  };
  return b;
}
