import { ConflictError, deepEqual, NotFoundError, type KubeObject } from '@skiff/apimachinery';
import { Informer, resourceType, type ApiClient } from '@skiff/kube-client';
import pLimit, { type LimitFunction } from 'p-limit';
import type { Logger } from 'pino';
import type { PodIpAllocator } from '../network/podIpAllocator.js';
import type { ContainerRecord } from '../pods/podRecord.js';
import { podKey, podSpec } from '../pods/podSpec.js';
import { computePodStatus, managedStatus, statusPatch, type ContainerStatus, type ContainerView, type PodStatus } from '../pods/podStatus.js';
import { rfc3339, type Clock } from '../time.js';

const PODS = resourceType('pods');

/**
 * The status of a pod on a simulated node (as kwok reports them): init containers completed, every
 * container running, started and ready, an address from the node's pod CIDR. Timestamps already
 * reported are kept, so computing it again gives the same status and writes nothing.
 */
export function simulatedPodStatus(pod: KubeObject, podIP: string, hostIP: string, now: Date): PodStatus {
  const spec = podSpec(pod);
  const stored = (pod.status ?? {}) as { startTime?: string; containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[] };
  const at = rfc3339(now);
  const views: Record<string, ContainerView> = {};
  const uid8 = (pod.metadata.uid ?? '').slice(0, 8);
  for (const c of spec.initContainers ?? []) {
    const was = stored.initContainerStatuses?.find((s) => s.name === c.name)?.state.terminated;
    const containerID = `simulated://${uid8}-${c.name}`;
    const record: ContainerRecord = {
      name: c.name,
      restartCount: 0,
      current: {
        containerID,
        startedAt: was?.startedAt ?? at,
        logFile: '',
        terminated: { exitCode: 0, reason: 'Completed', startedAt: was?.startedAt ?? at, finishedAt: was?.finishedAt ?? at, containerID },
      },
    };
    views[c.name] = { record, ready: true, started: true };
  }
  for (const c of spec.containers) {
    const was = stored.containerStatuses?.find((s) => s.name === c.name)?.state.running;
    views[c.name] = {
      record: { name: c.name, restartCount: 0, current: { containerID: `simulated://${uid8}-${c.name}`, startedAt: was?.startedAt ?? at, logFile: '' } },
      ready: true,
      started: true,
    };
  }
  return computePodStatus({ pod, views, hostIP, podIP, startTime: stored.startTime ?? at, sandboxReady: true, terminal: false, now });
}

export interface SimulatedPodsOptions {
  client: ApiClient;
  /** The simulated nodes, each with its address allocator. */
  nodes: Map<string, PodIpAllocator>;
  hostIP: string;
  log: Logger;
  clock: Clock;
  /** Watch only this node's pods (a node token may list nothing else); else all pods, filtered here. */
  fieldSelector?: string;
  /** Pod writes (status, finished deletions) in flight at once (default 16). */
  writeConcurrency?: number;
}

/**
 * Why pod writes are limited: a thousand simulated nodes are one client (one connection pool, one
 * process). The API server queues their requests per node (API Priority and Fairness' flow per
 * node, see the API server's flowOf), so one node's pod writes no longer hold up another node's
 * Lease renewal, but ten thousand pods turning Running at once would still be ten thousand
 * requests in flight from this process. A few writes at a time keep the process and the server's
 * node-high seats for the heartbeats too.
 */
const DEFAULT_WRITE_CONCURRENCY = 16;

/**
 * Reports the pods bound to simulated nodes Running and Ready without running anything, and
 * finishes their deletion at once. One watch serves any number of nodes.
 */
export class SimulatedPods {
  private readonly informer: Informer;
  private readonly written = new Map<string, PodStatus>();
  private readonly inFlight = new Map<string, boolean>();
  private readonly deleting = new Set<string>();
  private readonly write: LimitFunction;

  constructor(private readonly opts: SimulatedPodsOptions) {
    this.write = pLimit(opts.writeConcurrency ?? DEFAULT_WRITE_CONCURRENCY);
    this.informer = new Informer(
      opts.client,
      PODS,
      {
        onAdd: (pod) => void this.handle(pod),
        onUpdate: (pod) => void this.handle(pod),
        onDelete: (pod) => this.forget(pod),
      },
      { fieldSelector: opts.fieldSelector, log: opts.log },
    );
  }

  start(): void {
    this.informer.start();
  }

  waitForSync(): Promise<void> {
    return this.informer.waitForSync();
  }

  stop(): void {
    this.informer.stop();
  }

  pods(): KubeObject[] {
    return this.informer.list().filter((p) => this.opts.nodes.has(podSpec(p).nodeName ?? ''));
  }

  private forget(pod: KubeObject): void {
    const uid = pod.metadata.uid ?? '';
    this.opts.nodes.get(podSpec(pod).nodeName ?? '')?.release(uid);
    this.written.delete(uid);
    this.deleting.delete(uid);
  }

  private async handle(pod: KubeObject): Promise<void> {
    const uid = pod.metadata.uid ?? '';
    const allocator = this.opts.nodes.get(podSpec(pod).nodeName ?? '');
    if (!allocator || !uid) return;
    if (pod.metadata.deletionTimestamp) {
      if (this.deleting.has(uid)) return;
      this.deleting.add(uid);
      try {
        await this.write(() => this.opts.client.delete(PODS, pod.metadata.namespace, pod.metadata.name!, { gracePeriodSeconds: 0, preconditions: { uid } }));
      } catch (err) {
        if (!(err instanceof NotFoundError) && !(err instanceof ConflictError)) {
          this.deleting.delete(uid);
          this.opts.log.warn({ pod: podKey(pod), err: (err as Error).message }, 'finishing a simulated pod deletion failed');
        }
      }
      return;
    }
    const phase = (pod.status as { phase?: string } | undefined)?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return;
    if (this.inFlight.has(uid)) {
      this.inFlight.set(uid, true);
      return;
    }
    let ip: string;
    try {
      ip = allocator.allocate(uid);
    } catch (err) {
      this.opts.log.warn({ pod: podKey(pod), err: (err as Error).message }, 'no address for a simulated pod');
      return;
    }
    const status = simulatedPodStatus(pod, ip, this.opts.hostIP, this.opts.clock());
    if (deepEqual(status, managedStatus(pod.status)) || deepEqual(status, this.written.get(uid))) return;
    this.inFlight.set(uid, false);
    try {
      await this.write(() => this.opts.client.patch(PODS, pod.metadata.namespace, pod.metadata.name!, statusPatch(status), 'merge', { subresource: 'status' }));
      this.written.set(uid, status);
    } catch (err) {
      if (!(err instanceof NotFoundError)) this.opts.log.warn({ pod: podKey(pod), err: (err as Error).message }, 'writing a simulated pod status failed');
    } finally {
      const again = this.inFlight.get(uid);
      this.inFlight.delete(uid);
      if (again) {
        const latest = this.informer.get(podKey(pod));
        if (latest) void this.handle(latest);
      }
    }
  }
}
