import type { KubeObject } from '@skiff/apimachinery';
import { servicePortEndpoints, type Backend } from './servicePortEndpoints.js';
import type { TerminatingPods } from './terminatingPods.js';

/** One port of one Service: where its connections go. Listeners point at it by `key`. */
export interface ServicePortPlan {
  /** `<namespace>/<name>:<port name or number>` */
  key: string;
  service: string;
  port: string;
  backends: Backend[];
  /** Set when the Service asks for ClientIP session affinity. */
  affinityTimeoutSeconds?: number;
}

/** The protocols the proxy forwards itself; SCTP is left to the kernel (nftables mode) or refused by the API. */
export type ListenerProtocol = 'TCP' | 'UDP';

export interface ListenerPlan {
  /** `<host>:<port>`, with `/udp` appended for UDP (a DNS Service has 53/TCP and 53/UDP on one address). */
  key: string;
  host: string;
  port: number;
  protocol: ListenerProtocol;
  kind: 'clusterIP' | 'nodePort';
  servicePort: string;
}

export interface ProxyPlan {
  listeners: Map<string, ListenerPlan>;
  servicePorts: Map<string, ServicePortPlan>;
  /** Listeners two Services both asked for; the first by namespace/name got it. */
  conflicts: string[];
}

export const DEFAULT_NODE_PORT_ADDRESS = '127.0.0.1';

export interface PlanOptions {
  /** Where NodePort and LoadBalancer Services listen (default 127.0.0.1). */
  nodePortAddress?: string;
  terminating?: TerminatingPods;
  /** Listen on ClusterIPs (default true). False in nftables mode, where the kernel serves them and only NodePorts stay here. */
  clusterIPs?: boolean;
}

/**
 * What the proxy should listen on and where each listener forwards, from Services, EndpointSlices and
 * terminating Pods alone. Pure, so the executor only diffs it against what is open.
 *
 * Backends come from `servicePortEndpoints` (ready endpoints matched by port name). TCP and UDP
 * are proxied. Without ClusterIP listeners, only the Service ports a NodePort listener points at are
 * planned.
 */
export function planListeners(services: readonly KubeObject[], slices: readonly KubeObject[], opts: PlanOptions = {}): ProxyPlan {
  const nodePortAddress = opts.nodePortAddress ?? DEFAULT_NODE_PORT_ADDRESS;
  const clusterIPs = opts.clusterIPs ?? true;
  const plan: ProxyPlan = { listeners: new Map(), servicePorts: new Map(), conflicts: [] };
  for (const sp of servicePortEndpoints(services, slices, opts.terminating)) {
    const protocol = sp.protocol;
    if (protocol !== 'TCP' && protocol !== 'UDP') continue;
    if (!clusterIPs && sp.nodePort === undefined) continue;
    plan.servicePorts.set(sp.key, {
      key: sp.key,
      service: sp.service,
      port: sp.port,
      backends: sp.backends,
      ...(sp.affinityTimeoutSeconds !== undefined ? { affinityTimeoutSeconds: sp.affinityTimeoutSeconds } : {}),
    });
    if (clusterIPs) addListener(plan, { host: sp.clusterIP, port: sp.servicePort, protocol, kind: 'clusterIP', servicePort: sp.key });
    if (sp.nodePort !== undefined) addListener(plan, { host: nodePortAddress, port: sp.nodePort, protocol, kind: 'nodePort', servicePort: sp.key });
  }
  return plan;
}

function addListener(plan: ProxyPlan, l: Omit<ListenerPlan, 'key'>): void {
  const key = `${l.host}:${l.port}${l.protocol === 'UDP' ? '/udp' : ''}`;
  if (plan.listeners.has(key)) {
    plan.conflicts.push(`${key} wanted by ${l.servicePort} and ${plan.listeners.get(key)!.servicePort}`);
    return;
  }
  plan.listeners.set(key, { key, ...l });
}
