import type { KubeObject } from '@skiff/apimachinery';
import { applyPodUsage, emptyNodeInfo, nodeProperties, type MutableNodeInfo } from '../framework/nodeInfo.js';
import { parsePod } from '../framework/podInfo.js';
import type { NodeInfo, PodInfo, Taint, Toleration } from '../framework/types.js';

type Requests = { cpu?: string; memory?: string };

/** `makePod('web').cpu('500m').memory('1Gi').owner('rs-1').build()` */
export function makePod(name = 'web', namespace = 'default') {
  const containers: { name: string; image: string; resources?: { requests: Requests } }[] = [];
  const initContainers: typeof containers = [];
  const spec: Record<string, unknown> = { containers, schedulerName: 'default-scheduler' };
  const metadata: KubeObject['metadata'] = { name, namespace, uid: `uid-${name}`, resourceVersion: '1' };
  const status: Record<string, unknown> = { phase: 'Pending' };
  const b = {
    container(requests: Requests = {}) {
      containers.push({ name: `c${containers.length}`, image: 'busybox', ...(Object.keys(requests).length ? { resources: { requests } } : {}) });
      return b;
    },
    initContainer(requests: Requests) {
      initContainers.push({ name: `i${initContainers.length}`, image: 'busybox', resources: { requests } });
      spec.initContainers = initContainers;
      return b;
    },
    /** Requests of the (first) app container. */
    cpu(q: string) {
      first().resources!.requests.cpu = q;
      return b;
    },
    memory(q: string) {
      first().resources!.requests.memory = q;
      return b;
    },
    nodeSelector(sel: Record<string, string>) {
      spec.nodeSelector = sel;
      return b;
    },
    requiredAffinity(nodeSelectorTerms: unknown[]) {
      spec.affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms } } };
      return b;
    },
    toleration(t: Toleration) {
      spec.tolerations = [...((spec.tolerations as Toleration[]) ?? []), t];
      return b;
    },
    owner(uid: string) {
      metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `rs-${uid}`, uid, controller: true }];
      return b;
    },
    node(nodeName: string) {
      spec.nodeName = nodeName;
      return b;
    },
    phase(phase: string) {
      status.phase = phase;
      return b;
    },
    terminating() {
      metadata.deletionTimestamp = '2025-01-01T00:00:00Z';
      return b;
    },
    uid(uid: string) {
      metadata.uid = uid;
      return b;
    },
    schedulerName(n: string) {
      spec.schedulerName = n;
      return b;
    },
    volumes(v: unknown[]) {
      spec.volumes = v;
      return b;
    },
    build(): KubeObject {
      if (containers.length === 0) b.container();
      return structuredClone({ apiVersion: 'v1', kind: 'Pod', metadata, spec, status });
    },
    info(): PodInfo {
      const r = parsePod(b.build());
      if (!r.ok) throw new Error(r.message);
      return r.pod;
    },
  };
  function first() {
    if (containers.length === 0) b.container();
    containers[0].resources ??= { requests: {} };
    return containers[0];
  }
  return b;
}

/** `makeNode('n1').cpu('4').memory('8Gi').taint({...}).build()`, or `.info(pods...)` for a NodeInfo. */
export function makeNode(name = 'node-1') {
  const allocatable: Record<string, string> = { cpu: '4', memory: '8Gi', pods: '110' };
  const labels: Record<string, string> = { 'kubernetes.io/hostname': name };
  const spec: { taints?: Taint[]; unschedulable?: boolean } = {};
  let ready = true;
  const b = {
    cpu(q: string) {
      allocatable.cpu = q;
      return b;
    },
    memory(q: string) {
      allocatable.memory = q;
      return b;
    },
    pods(n: number) {
      allocatable.pods = String(n);
      return b;
    },
    label(key: string, value: string) {
      labels[key] = value;
      return b;
    },
    taint(t: Taint) {
      spec.taints = [...(spec.taints ?? []), t];
      return b;
    },
    unschedulable() {
      spec.unschedulable = true;
      return b;
    },
    notReady() {
      ready = false;
      return b;
    },
    build(): KubeObject {
      return structuredClone({
        apiVersion: 'v1',
        kind: 'Node',
        metadata: { name, labels, uid: `uid-${name}`, resourceVersion: '1' },
        spec,
        status: { allocatable, capacity: allocatable, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
      });
    },
    /** The node with these pods on it. */
    info(...pods: KubeObject[]): NodeInfo {
      const info: MutableNodeInfo = emptyNodeInfo(name, nodeProperties(b.build()));
      for (const p of pods) {
        const r = parsePod(p);
        if (!r.ok) throw new Error(r.message);
        applyPodUsage(info, { requests: r.pod.requests, nonZeroRequests: r.pod.nonZeroRequests, ownerUid: r.pod.ownerUid, terminating: !!p.metadata.deletionTimestamp }, 1);
      }
      return info;
    },
  };
  return b;
}
