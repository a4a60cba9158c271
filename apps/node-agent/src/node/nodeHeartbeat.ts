import { deepEqual, NotFoundError, type KubeObject } from '@skiff/apimachinery';
import { resourceType, type ApiClient } from '@skiff/kube-client';
import type { Logger } from 'pino';
import { microTime, type Clock } from '../time.js';

const LEASES = resourceType('leases', 'coordination.k8s.io');
const NODES = resourceType('nodes');
export const NODE_LEASE_NAMESPACE = 'kube-node-lease';

export interface NodeHeartbeatOptions {
  client: ApiClient;
  nodeName: string;
  nodeUid?: string;
  /** How often the Lease is renewed. */
  heartbeatMs: number;
  /** How often the Node's status is computed and, if it changed, written (kubelet's nodeStatusUpdateFrequency). */
  statusMs: number;
  /**
   * How often an unchanged status is written all the same, refreshing its conditions'
   * lastHeartbeatTime (kubelet's nodeStatusReportFrequency; default 5 minutes).
   */
  statusReportMs?: number;
  /** The Node status to write now. */
  status(now: Date): Record<string, unknown>;
  /**
   * The Node's status as the API server has it, to compare with (undefined: unknown, write).
   * Default: a GET at resourceVersion 0 (from the server's cache), as kubelet reads its Node.
   */
  storedStatus?(): Promise<Record<string, unknown> | undefined>;
  log: Logger;
  clock: Clock;
}

/** kubelet's nodeStatusReportFrequency. */
export const NODE_STATUS_REPORT_MS = 5 * 60_000;

type Condition = { type?: string; lastHeartbeatTime?: string };
const withoutHeartbeat = (c: Condition | undefined) => (c ? { ...c, lastHeartbeatTime: undefined } : undefined);

/**
 * Whether writing `next` would change the stored status in more than the conditions' heartbeat
 * times (kubelet's nodeStatusHasChanged). Only what `next` sets counts: fields and conditions
 * that others write (a controller's condition) are theirs.
 */
export function nodeStatusChanged(stored: Record<string, unknown>, next: Record<string, unknown>): boolean {
  return Object.entries(next).some(([field, value]) => {
    if (field !== 'conditions') return !deepEqual(stored[field], value);
    const before = (stored.conditions ?? []) as Condition[];
    return (value as Condition[]).some((c) => !deepEqual(withoutHeartbeat(before.find((b) => b.type === c.type)), withoutHeartbeat(c)));
  });
}

/** A Lease as kubelet keeps it: held by the node, lasting four renew periods, owned by the Node. */
export function nodeLease(nodeName: string, nodeUid: string | undefined, durationSeconds: number, now: Date): KubeObject {
  return {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: nodeName,
      namespace: NODE_LEASE_NAMESPACE,
      ...(nodeUid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: nodeName, uid: nodeUid }] } : {}),
    },
    spec: { holderIdentity: nodeName, leaseDurationSeconds: durationSeconds, renewTime: microTime(now) },
  };
}

/** kubelet's ratio: a 40s lease renewed every 10s. */
export function leaseDurationSeconds(heartbeatMs: number): number {
  return Math.max(1, Math.ceil((heartbeatMs * 4) / 1000));
}

/**
 * The node's heartbeats, at kubelet's cadence: renews its Lease every `heartbeatMs` (what the node
 * lifecycle controller watches for liveness) with a patch of its renewTime alone; computes its
 * status every `statusMs` and writes it when it changed (a condition set by a controller, capacity,
 * images), else only every `statusReportMs`, and at once after the API server was unreachable.
 * A thousand idle nodes thus cost 100 small Lease patches a second and about 3 status writes,
 * not 100 of each.
 */
export class NodeHeartbeat {
  private leaseTimer: NodeJS.Timeout | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private failing = false;
  /** Whether the Lease holds this node's holder and duration: then a renewal sends renewTime alone. */
  private leaseHeld = false;
  private lastReport: number;

  constructor(private readonly opts: NodeHeartbeatOptions) {
    // Registration wrote the status.
    this.lastReport = opts.clock().getTime();
  }

  /** Starts heartbeating; resolves once the first lease renewal has been tried. */
  start(): Promise<void> {
    this.statusTimer = setTimeout(() => void this.statusLoop(), this.opts.statusMs);
    return this.leaseLoop();
  }

  stop(): void {
    this.stopped = true;
    if (this.leaseTimer) clearTimeout(this.leaseTimer);
    if (this.statusTimer) clearTimeout(this.statusTimer);
  }

  async renewLease(): Promise<void> {
    const { client, nodeName, heartbeatMs } = this.opts;
    const now = this.opts.clock();
    const lease = nodeLease(nodeName, this.opts.nodeUid, leaseDurationSeconds(heartbeatMs), now);
    const spec = lease.spec as { renewTime: string };
    try {
      // The first renewal (and any after a failure) claims the Lease whole; the others move renewTime.
      await client.patch(LEASES, NODE_LEASE_NAMESPACE, nodeName, { spec: this.leaseHeld ? { renewTime: spec.renewTime } : spec }, 'merge');
      this.leaseHeld = true;
    } catch (err) {
      this.leaseHeld = false;
      if (!(err instanceof NotFoundError)) throw err;
      await client.create(LEASES, lease);
      this.leaseHeld = true;
    }
  }

  /** Writes the status now. */
  async writeStatus(): Promise<void> {
    const now = this.opts.clock();
    await this.opts.client.patch(NODES, undefined, this.opts.nodeName, { status: this.opts.status(now) }, 'merge', { subresource: 'status' });
    this.lastReport = now.getTime();
  }

  /** Writes the status if it changed or is due for its report; returns whether it wrote. */
  async reportStatus(): Promise<boolean> {
    const now = this.opts.clock();
    const next = this.opts.status(now);
    if (now.getTime() - this.lastReport < (this.opts.statusReportMs ?? NODE_STATUS_REPORT_MS)) {
      const stored = await (this.opts.storedStatus ?? (() => this.getStoredStatus()))();
      if (stored && !nodeStatusChanged(stored, next)) return false;
    }
    await this.opts.client.patch(NODES, undefined, this.opts.nodeName, { status: next }, 'merge', { subresource: 'status' });
    this.lastReport = now.getTime();
    return true;
  }

  private async getStoredStatus(): Promise<Record<string, unknown> | undefined> {
    const node = await this.opts.client.request<KubeObject>('GET', `${this.opts.client.path(NODES, undefined, this.opts.nodeName)}?resourceVersion=0`);
    return node.status as Record<string, unknown> | undefined;
  }

  private async leaseLoop(): Promise<void> {
    if (this.stopped) return;
    const started = Date.now();
    try {
      await this.renewLease();
      if (this.failing) {
        this.failing = false;
        this.opts.log.info({}, 'API server reachable again; node heartbeats resumed');
        await this.writeStatus().catch(() => {});
      }
    } catch (err) {
      if (!this.failing) this.opts.log.warn({ err: (err as Error).message }, 'renewing the node lease failed');
      this.failing = true;
    }
    if (this.stopped) return;
    this.leaseTimer = setTimeout(() => void this.leaseLoop(), Math.max(0, this.opts.heartbeatMs - (Date.now() - started)));
  }

  private async statusLoop(): Promise<void> {
    if (this.stopped) return;
    try {
      await this.reportStatus();
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message }, 'updating the node status failed');
    }
    if (this.stopped) return;
    this.statusTimer = setTimeout(() => void this.statusLoop(), this.opts.statusMs);
  }
}
