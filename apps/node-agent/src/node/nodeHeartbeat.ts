import { NotFoundError, type KubeObject } from '@skiff/apimachinery';
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
  /** How often the Node's status (conditions' lastHeartbeatTime) is written. */
  statusMs: number;
  /** The Node status to write now. */
  status(now: Date): Record<string, unknown>;
  log: Logger;
  clock: Clock;
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
 * The node's heartbeats: renews its Lease every `heartbeatMs` (what the node lifecycle controller
 * watches) and rewrites its status, with fresh lastHeartbeatTime, every `statusMs`, and at once
 * after the API server was unreachable.
 */
export class NodeHeartbeat {
  private leaseTimer: NodeJS.Timeout | undefined;
  private statusTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private failing = false;

  constructor(private readonly opts: NodeHeartbeatOptions) {}

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
    try {
      await client.patch(LEASES, NODE_LEASE_NAMESPACE, nodeName, { spec: lease.spec }, 'merge');
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      await client.create(LEASES, lease);
    }
  }

  async writeStatus(): Promise<void> {
    await this.opts.client.patch(NODES, undefined, this.opts.nodeName, { status: this.opts.status(this.opts.clock()) }, 'merge', { subresource: 'status' });
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
      await this.writeStatus();
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message }, 'updating the node status failed');
    }
    if (this.stopped) return;
    this.statusTimer = setTimeout(() => void this.statusLoop(), this.opts.statusMs);
  }
}
