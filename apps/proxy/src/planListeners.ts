import type { KubeObject } from '@skiff/apimachinery';
import { endpointSubsets, hasClusterIP, namespacedName, serviceSpec, type ServicePort } from './serviceTypes.js';
import { isTerminating, NO_TERMINATING_PODS, type TerminatingPods } from './terminatingPods.js';

/** kube-proxy's default for `sessionAffinityConfig.clientIP.timeoutSeconds`: three hours. */
export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10_800;

export interface Backend {
  ip: string;
  port: number;
}

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

export interface ListenerPlan {
  /** `<host>:<port>` */
  key: string;
  host: string;
  port: number;
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
}

/**
 * What the proxy should listen on and where each listener forwards, from Services, Endpoints and
 * terminating Pods alone. Pure, so the executor only diffs it against what is open.
 *
 * A Service port matches the Endpoints ports with the same name (both unnamed for a single-port
 * Service), as in Kubernetes; each ready address of a subset times each matching port of that
 * subset is one backend. Only TCP is proxied.
 */
export function planListeners(services: readonly KubeObject[], endpoints: readonly KubeObject[], opts: PlanOptions = {}): ProxyPlan {
  const terminating = opts.terminating ?? NO_TERMINATING_PODS;
  const nodePortAddress = opts.nodePortAddress ?? DEFAULT_NODE_PORT_ADDRESS;
  const endpointsByName = new Map(endpoints.map((ep) => [namespacedName(ep), ep]));
  const plan: ProxyPlan = { listeners: new Map(), servicePorts: new Map(), conflicts: [] };
  const sorted = [...services].sort((a, b) => namespacedName(a).localeCompare(namespacedName(b)));
  for (const svc of sorted) {
    const spec = serviceSpec(svc);
    if (!hasClusterIP(spec)) continue;
    const service = namespacedName(svc);
    const ep = endpointsByName.get(service);
    for (const port of spec.ports ?? []) {
      if ((port.protocol ?? 'TCP') !== 'TCP') continue;
      const portLabel = port.name || String(port.port);
      const key = `${service}:${portLabel}`;
      plan.servicePorts.set(key, {
        key,
        service,
        port: portLabel,
        backends: ep ? backendsFor(port, ep, terminating) : [],
        ...(spec.sessionAffinity === 'ClientIP' ? { affinityTimeoutSeconds: spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT_SECONDS } : {}),
      });
      addListener(plan, { host: spec.clusterIP!, port: port.port, kind: 'clusterIP', servicePort: key });
      if ((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && port.nodePort) {
        addListener(plan, { host: nodePortAddress, port: port.nodePort, kind: 'nodePort', servicePort: key });
      }
    }
  }
  return plan;
}

function addListener(plan: ProxyPlan, l: Omit<ListenerPlan, 'key'>): void {
  const key = `${l.host}:${l.port}`;
  if (plan.listeners.has(key)) {
    plan.conflicts.push(`${key} wanted by ${l.servicePort} and ${plan.listeners.get(key)!.servicePort}`);
    return;
  }
  plan.listeners.set(key, { key, ...l });
}

function backendsFor(port: ServicePort, ep: KubeObject, terminating: TerminatingPods): Backend[] {
  const name = port.name ?? '';
  const seen = new Set<string>();
  const backends: Backend[] = [];
  for (const subset of endpointSubsets(ep)) {
    const target = (subset.ports ?? []).find((p) => (p.name ?? '') === name && (p.protocol ?? 'TCP') === 'TCP');
    if (!target) continue;
    for (const address of subset.addresses ?? []) {
      if (isTerminating(address, terminating)) continue;
      const id = `${address.ip}:${target.port}`;
      if (seen.has(id)) continue;
      seen.add(id);
      backends.push({ ip: address.ip, port: target.port });
    }
  }
  return backends;
}

export function backendKey(b: Backend): string {
  return `${b.ip}:${b.port}`;
}
