import type { KubeObject } from '@skiff/apimachinery';

export interface NodeCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}

export interface NodeHealth {
  /** The node's last sign of life: its Lease's renewTime, else its Ready condition's heartbeat, else its creation. */
  lastHeartbeat: Date;
  /** No sign of life for longer than the grace period. */
  stale: boolean;
  /** How long until it goes stale, if it is not yet (0 when stale). */
  staleInMs: number;
}

export function nodeConditions(node: KubeObject): NodeCondition[] {
  return ((node.status as { conditions?: NodeCondition[] } | undefined)?.conditions) ?? [];
}

export function readyCondition(node: KubeObject): NodeCondition | undefined {
  return nodeConditions(node).find((c) => c.type === 'Ready');
}

function time(v: unknown): number | undefined {
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  return Number.isNaN(t) ? undefined : t;
}

/**
 * Whether the node is still heard from. Example: lease renewed at 12:00:00, grace 40 s, now
 * 12:00:30 -> fresh, stale in 10 000 ms; at 12:00:41 -> stale.
 */
export function nodeHealth(node: KubeObject, lease: KubeObject | undefined, now: Date, graceMs: number): NodeHealth {
  const renewed = time((lease?.spec as { renewTime?: unknown } | undefined)?.renewTime);
  const heartbeat = time(readyCondition(node)?.lastHeartbeatTime);
  const created = time(node.metadata.creationTimestamp) ?? now.getTime();
  const last = renewed ?? heartbeat ?? created;
  const staleAt = last + graceMs;
  const stale = now.getTime() > staleAt;
  return { lastHeartbeat: new Date(last), stale, staleInMs: stale ? 0 : staleAt - now.getTime() + 1 };
}
