import { NODE_GROUP, NODE_USER_PREFIX, TooManyRequestsError } from '@skiff/apimachinery';
import type { Principal } from './auth.js';

/**
 * API Priority and Fairness, in the shape kube-apiserver's default configuration gives it: each
 * request is classified (by who sends it) into a priority level; each level has its share of the
 * server's concurrency (`--max-requests-inflight` + `--max-mutating-requests-inflight`); a level
 * whose seats are taken queues requests per flow (per user), serving the flows in turn, so one
 * client flooding waits behind itself, never in front of node heartbeats or controllers. A full
 * queue, or a wait longer than the queue timeout, is a 429 with Retry-After.
 *
 * Long-running requests (watches, followed logs) take no seat, as in Kubernetes; admins
 * (system:masters) are exempt.
 */
export interface FlowControlOptions {
  /** kube-apiserver's --max-requests-inflight (400). */
  maxRequestsInflight?: number;
  /** kube-apiserver's --max-mutating-requests-inflight (200). */
  maxMutatingRequestsInflight?: number;
  /** How long a request may wait for a seat (Kubernetes: a quarter of the 60 s request timeout). */
  queueTimeoutMs?: number;
  /** Requests one flow (user) may have waiting in a level (Kubernetes' queueLengthLimit: 50). */
  queueLengthLimit?: number;
  /** Told of every request refused with 429, with Kubernetes' reason (for apiserver_flowcontrol_rejected_requests_total). */
  onReject?(level: PriorityLevel, reason: RejectReason): void;
}

export type RejectReason = 'queue-full' | 'time-out';

/** Kubernetes' default priority levels that apply here, with their nominal concurrency shares. */
const LEVELS = {
  system: 30,
  'node-high': 40,
  'workload-high': 40,
  'workload-low': 100,
  'global-default': 20,
} as const;

export type PriorityLevel = keyof typeof LEVELS | 'exempt';

/** Skiff's own components (each with its own identity) are `system:skiff:<component>` users. */
const COMPONENT_PREFIXES = ['system:skiff:', 'system:kube-', 'system:apiserver'];

/** Which priority level a request goes to, as the default FlowSchemas decide. */
export function priorityLevelOf(p: Principal): PriorityLevel {
  if (p.groups.includes('system:masters')) return 'exempt';
  if (p.groups.includes(NODE_GROUP)) return 'node-high';
  if (COMPONENT_PREFIXES.some((prefix) => p.name.startsWith(prefix))) return 'workload-high';
  if (p.name.startsWith('system:serviceaccount:kube-system:')) return 'workload-high';
  if (p.groups.includes('system:serviceaccounts')) return 'workload-low';
  if (p.name.startsWith('system:')) return 'system';
  return 'global-default';
}

interface Waiter {
  resolve(release: () => void): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

class Level {
  private inUse = 0;
  /** Waiting requests by flow, served round-robin (fair queuing's effect, without its shuffle-sharding). */
  private readonly flows = new Map<string, Waiter[]>();

  constructor(
    readonly name: PriorityLevel,
    readonly seats: number,
    private readonly queueTimeoutMs: number,
    private readonly queueLengthLimit: number,
    private readonly onReject: (reason: RejectReason) => void,
  ) {}

  get waiting(): number {
    let n = 0;
    for (const q of this.flows.values()) n += q.length;
    return n;
  }

  get executing(): number {
    return this.inUse;
  }

  acquire(flow: string): Promise<() => void> | (() => void) {
    if (this.inUse < this.seats && this.flows.size === 0) return this.seat();
    const queue = this.flows.get(flow) ?? [];
    if (queue.length >= this.queueLengthLimit) {
      this.onReject('queue-full');
      throw tooMany();
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          const q = this.flows.get(flow);
          const i = q?.indexOf(waiter) ?? -1;
          if (q && i >= 0) {
            q.splice(i, 1);
            if (!q.length) this.flows.delete(flow);
          }
          this.onReject('time-out');
          reject(tooMany());
        }, this.queueTimeoutMs),
      };
      queue.push(waiter);
      this.flows.set(flow, queue);
    });
  }

  private seat(): () => void {
    this.inUse++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inUse--;
      this.dispatch();
    };
  }

  /** Gives free seats to the flows in turn: the first flow's head, then that flow goes to the back. */
  private dispatch(): void {
    while (this.inUse < this.seats && this.flows.size) {
      const [flow, queue] = this.flows.entries().next().value!;
      this.flows.delete(flow);
      const waiter = queue.shift()!;
      if (queue.length) this.flows.set(flow, queue);
      clearTimeout(waiter.timer);
      waiter.resolve(this.seat());
    }
  }
}

function tooMany(): TooManyRequestsError {
  // kube-apiserver's words for a request rejected by priority and fairness.
  return new TooManyRequestsError('Too many requests, please try again later.', 1);
}

export class FlowControl {
  private readonly levels = new Map<PriorityLevel, Level>();

  constructor(opts: FlowControlOptions = {}) {
    const total = (opts.maxRequestsInflight ?? 400) + (opts.maxMutatingRequestsInflight ?? 200);
    const shares = Object.values(LEVELS).reduce((a, b) => a + b, 0);
    for (const [name, share] of Object.entries(LEVELS) as [PriorityLevel, number][]) {
      this.levels.set(name, new Level(name, Math.max(1, Math.ceil((total * share) / shares)), opts.queueTimeoutMs ?? 15_000, opts.queueLengthLimit ?? 50, (reason) => opts.onReject?.(name, reason)));
    }
  }

  /**
   * Waits for a seat for the request; returns what frees it (call once the response is done).
   * `flow` is the request's flow within its level (default: its user; see `flowOf`).
   * Throws TooManyRequestsError when the request's queue is full or its wait ran out.
   */
  async admit(p: Principal, longRunning: boolean, flow = p.name): Promise<{ level: PriorityLevel; release: () => void }> {
    const level = priorityLevelOf(p);
    if (level === 'exempt' || longRunning) return { level, release: () => {} };
    const release = await this.levels.get(level)!.acquire(flow);
    return { level, release };
  }

  /** Seats in use and requests waiting, by level (for metrics and tests). */
  state(): Record<string, { seats: number; executing: number; waiting: number }> {
    return Object.fromEntries([...this.levels].map(([n, l]) => [n, { seats: l.seats, executing: l.executing, waiting: l.waiting }]));
  }
}

const NODE_PATH = /^\/api\/v1\/nodes\/([^/]+)(?:\/status)?$/;
const NODE_LEASE_PATH = /^\/apis\/coordination\.k8s\.io\/v1\/namespaces\/kube-node-lease\/leases\/([^/]+)$/;
const POD_PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)(?:\/status)?$/;

/**
 * The flow a request queues in. Kubernetes' system-nodes FlowSchema distinguishes flows by user,
 * and each kubelet is its own user (`system:node:NAME`), so a node's heartbeats wait only behind
 * that node's own requests. A user in system:nodes that is not one node (the simulated nodes: a
 * thousand nodes in one process, one identity) would be one flow for all of them, and a burst of
 * pod status writes would then queue every node's Lease renewal behind it (50 queued, the rest
 * refused with 429). Its requests are distinguished by the node they are about instead: the Node,
 * the node's Lease in kube-node-lease, or the node a pod is bound to (`podNodeName`, from memory;
 * a pod it does not know stays in the user's flow), so each simulated node is the flow a kubelet
 * would be.
 *
 *   system:node:n1      PUT .../kube-node-lease/leases/n1            -> "system:node:n1"
 *   system:skiff:sim    PUT .../kube-node-lease/leases/sim-node-7    -> "system:skiff:sim/sim-node-7"
 *   system:skiff:sim    PATCH /api/v1/namespaces/a/pods/p/status     -> "system:skiff:sim/<p's spec.nodeName>"
 *   system:skiff:sim    POST /api/v1/nodes                           -> "system:skiff:sim"
 */
export function flowOf(p: Principal, pathname: string, podNodeName: (namespace: string, name: string) => string | undefined): string {
  if (!p.groups.includes(NODE_GROUP) || p.name.startsWith(NODE_USER_PREFIX)) return p.name;
  const node = NODE_PATH.exec(pathname)?.[1] ?? NODE_LEASE_PATH.exec(pathname)?.[1];
  if (node !== undefined) return `${p.name}/${decodeURIComponent(node)}`;
  const pod = POD_PATH.exec(pathname);
  const podNode = pod ? podNodeName(decodeURIComponent(pod[1]), decodeURIComponent(pod[2])) : undefined;
  return podNode ? `${p.name}/${podNode}` : p.name;
}

/** Watches, followed logs and other streams: they hold no seat while they run. */
export function isLongRunning(pathname: string, query: URLSearchParams): boolean {
  const watch = query.get('watch');
  if (watch !== null && watch !== '0' && watch.toLowerCase() !== 'false') return true;
  if (pathname.includes('/watch/')) return true;
  const follow = query.get('follow');
  if (pathname.endsWith('/log') && follow !== null && follow !== '0' && follow.toLowerCase() !== 'false') return true;
  return /\/(exec|attach|portforward|proxy)$/.test(pathname) || pathname.startsWith('/status/stream');
}
