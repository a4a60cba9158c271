import type { KubeObject } from '@skiff/apimachinery';
import { applyPodUsage, emptyNodeInfo, nodeProperties, samePropertiesForScheduling, setNodeProperties, type MutableNodeInfo, type NodeProperties, type PodUsage } from './framework/nodeInfo.js';
import { controllerOwnerUid, isTerminated, needsScheduling, podSpec } from './framework/podInfo.js';
import { podRequests } from './framework/podRequests.js';
import type { NodeInfo } from './framework/types.js';

interface PodRecord {
  /** The latest version the informer delivered. */
  obj: KubeObject;
  /** Where this scheduler bound (or is binding) the pod while the informer still shows it unbound. */
  assumedNode?: string;
  /** The node whose usage includes this pod, and with what. */
  placedOn?: string;
  usage?: PodUsage;
}

interface NodeEntry {
  info: MutableNodeInfo;
  /** Undefined while pods name a node the informer has not delivered (or that was deleted). */
  props?: NodeProperties;
}

const NO_USAGE: PodUsage = { requests: { milliCpu: 0, memory: 0 }, nonZeroRequests: { milliCpu: 0, memory: 0 }, terminating: false };

/**
 * The scheduler's view of the cluster (kube-scheduler's internal cache, simplified): every node
 * with the summed requests of the pods on it, kept up to date incrementally from informer events,
 * plus "assumed" pods: pods this process decided to bind whose binding the informer has not shown
 * yet. Counting them at once is what keeps a burst of decisions, or concurrent ones, from
 * overbooking a node.
 *
 * The cache is level-based: `syncPod(key, current)` makes it reflect whatever the informer holds
 * for that key now, whatever the event was. Decisions read it synchronously (no await between
 * reading a node and assuming a pod onto it), so concurrent reconciles in one process never see
 * the same free capacity twice.
 */
export class SchedulerCache {
  private readonly pods = new Map<string, PodRecord>();
  private readonly nodes = new Map<string, NodeEntry>();
  private sorted: MutableNodeInfo[] | undefined;
  private readonly unschedulable = new Set<string>();

  constructor(private readonly schedulerName?: string) {}

  pod(key: string): KubeObject | undefined {
    return this.pods.get(key)?.obj;
  }

  isAssumed(key: string): boolean {
    return this.pods.get(key)?.assumedNode !== undefined;
  }

  /** The nodes that exist, sorted by name, with their current usage. */
  nodeInfos(): readonly NodeInfo[] {
    if (!this.sorted) {
      this.sorted = [...this.nodes.values()]
        .filter((e) => e.props !== undefined)
        .map((e) => e.info)
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    }
    return this.sorted;
  }

  nodeInfo(name: string): NodeInfo | undefined {
    const e = this.nodes.get(name);
    return e?.props ? e.info : undefined;
  }

  /**
   * Makes the cache reflect `current` (undefined: the pod is gone). Returns whether the pod stopped
   * holding resources on a node, which may make room for pods that did not fit.
   */
  syncPod(key: string, current: KubeObject | undefined): { freed: boolean } {
    const rec = this.pods.get(key);
    if (!current) {
      this.unschedulable.delete(key);
      if (!rec) return { freed: false };
      const freed = rec.placedOn !== undefined;
      this.place(rec, undefined, undefined);
      this.pods.delete(key);
      return { freed };
    }
    if (!needsScheduling(current, this.schedulerName)) this.unschedulable.delete(key);
    const next: PodRecord = rec ?? { obj: current };
    if (rec) {
      // A new pod under an old name, or a binding the informer now shows: the assumption is done.
      if (rec.obj.metadata.uid !== current.metadata.uid || podSpec(current).nodeName) next.assumedNode = undefined;
      next.obj = current;
    } else {
      this.pods.set(key, next);
    }
    const before = next.placedOn;
    this.replace(next);
    return { freed: before !== undefined && next.placedOn !== before };
  }

  /** Counts a pod on `nodeName` before the binding is visible. */
  assume(key: string, nodeName: string): void {
    const rec = this.pods.get(key);
    if (!rec) throw new Error(`cannot assume unknown pod ${key}`);
    rec.assumedNode = nodeName;
    this.replace(rec);
  }

  /** Drops an assumption whose binding failed; the pod counts where the informer says it is. */
  forget(key: string): void {
    const rec = this.pods.get(key);
    if (!rec || rec.assumedNode === undefined) return;
    rec.assumedNode = undefined;
    this.replace(rec);
  }

  /**
   * Makes the cache reflect a Node (undefined: deleted). Returns whether anything scheduling reads
   * changed (labels, taints, readiness, allocatable), i.e. whether pods that did not fit may now.
   */
  syncNode(name: string, current: KubeObject | undefined): { changed: boolean } {
    let entry = this.nodes.get(name);
    if (!current) {
      if (!entry?.props) return { changed: false };
      entry.props = undefined;
      this.sorted = undefined;
      if (entry.info.podCount === 0) this.nodes.delete(name);
      return { changed: true };
    }
    const props = nodeProperties(current);
    if (!entry) {
      entry = { info: emptyNodeInfo(name) };
      this.nodes.set(name, entry);
    }
    const added = entry.props === undefined;
    if (!added && samePropertiesForScheduling(entry.props!, props)) return { changed: false };
    entry.props = props;
    setNodeProperties(entry.info, props);
    if (added) this.sorted = undefined;
    return { changed: true };
  }

  markUnschedulable(key: string): void {
    this.unschedulable.add(key);
  }

  clearUnschedulable(key: string): void {
    this.unschedulable.delete(key);
  }

  /** Pods that did not fit when last tried: what a freed node or a new one should wake. */
  unschedulableKeys(): string[] {
    return [...this.unschedulable];
  }

  private replace(rec: PodRecord): void {
    const nodeName = isTerminated(rec.obj) ? undefined : podSpec(rec.obj).nodeName || rec.assumedNode;
    this.place(rec, nodeName, nodeName === undefined ? undefined : usageOf(rec.obj));
  }

  private place(rec: PodRecord, nodeName: string | undefined, usage: PodUsage | undefined): void {
    if (rec.placedOn !== undefined) {
      const old = this.nodes.get(rec.placedOn);
      if (old) {
        applyPodUsage(old.info, rec.usage!, -1);
        if (!old.props && old.info.podCount === 0) this.nodes.delete(rec.placedOn);
      }
    }
    rec.placedOn = nodeName;
    rec.usage = usage;
    if (nodeName === undefined) return;
    let entry = this.nodes.get(nodeName);
    if (!entry) {
      entry = { info: emptyNodeInfo(nodeName) };
      this.nodes.set(nodeName, entry);
    }
    applyPodUsage(entry.info, usage!, 1);
  }
}

function usageOf(pod: KubeObject): PodUsage {
  let r;
  try {
    r = podRequests(podSpec(pod));
  } catch {
    // Only a corrupt object gets here (the API server validates quantities): count it as empty.
    return { ...NO_USAGE, ownerUid: controllerOwnerUid(pod), terminating: !!pod.metadata.deletionTimestamp };
  }
  return { requests: r.requests, nonZeroRequests: r.nonZeroRequests, ownerUid: controllerOwnerUid(pod), terminating: !!pod.metadata.deletionTimestamp };
}
