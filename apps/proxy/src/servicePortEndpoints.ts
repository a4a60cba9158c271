import type { KubeObject } from '@skiff/apimachinery';
import { endpointsByService, type ServiceEndpoint } from './endpointSlices.js';
import { hasClusterIP, namespacedName, serviceSpec, type ServicePort } from './serviceTypes.js';
import { isTerminating, NO_TERMINATING_PODS, type TerminatingPods } from './terminatingPods.js';

/** kube-proxy's default for `sessionAffinityConfig.clientIP.timeoutSeconds`: three hours. */
export const DEFAULT_AFFINITY_TIMEOUT_SECONDS = 10_800;

export interface Backend {
  ip: string;
  port: number;
}

/** One port of one Service with a ClusterIP, and the endpoints ready to take its traffic. */
export interface ServicePortEndpoints {
  /** `<namespace>/<name>:<port name or number>` */
  key: string;
  /** `<namespace>/<name>` */
  service: string;
  /** The port's name, or its number when unnamed. */
  port: string;
  /** As the Service spells it: TCP (the default), UDP or SCTP. */
  protocol: string;
  clusterIP: string;
  servicePort: number;
  /** Set for NodePort and LoadBalancer Services. */
  nodePort?: number;
  backends: Backend[];
  /** Set when the Service asks for ClientIP session affinity. */
  affinityTimeoutSeconds?: number;
}

/**
 * Every port of every Service that has a ClusterIP, with its ready endpoints, Services in
 * namespace/name order and ports in spec order. Both data paths (the userspace listeners and the
 * nftables plan) read this, so they can never disagree on which endpoints are in rotation.
 *
 * Endpoints come from the Services' EndpointSlices (`endpointsByService`), as kube-proxy reads
 * them: a Service port matches the slice ports with the same name (both unnamed for a
 * single-port Service) and protocol; see `readyBackends` for which endpoints are in rotation.
 */
export function servicePortEndpoints(services: readonly KubeObject[], slices: readonly KubeObject[], terminating: TerminatingPods = NO_TERMINATING_PODS): ServicePortEndpoints[] {
  const byService = endpointsByService(slices);
  const sorted = [...services].sort((a, b) => namespacedName(a).localeCompare(namespacedName(b)));
  const out: ServicePortEndpoints[] = [];
  for (const svc of sorted) {
    const spec = serviceSpec(svc);
    if (!hasClusterIP(spec)) continue;
    const service = namespacedName(svc);
    const endpoints = byService.get(service) ?? [];
    const affinity = spec.sessionAffinity === 'ClientIP' ? { affinityTimeoutSeconds: spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT_SECONDS } : {};
    const exposesNodePorts = spec.type === 'NodePort' || spec.type === 'LoadBalancer';
    for (const port of spec.ports ?? []) {
      const label = port.name || String(port.port);
      out.push({
        key: `${service}:${label}`,
        service,
        port: label,
        protocol: port.protocol ?? 'TCP',
        clusterIP: spec.clusterIP!,
        servicePort: port.port,
        ...(exposesNodePorts && port.nodePort ? { nodePort: port.nodePort } : {}),
        backends: readyBackends(port, endpoints, terminating),
        ...affinity,
      });
    }
  }
  return out;
}

/**
 * The `ip:port` pairs a Service port sends new connections to, each once, in slice order: the
 * ready endpoints that are not terminating (by the slice's condition or by their Pod's
 * deletionTimestamp, which the proxy sees before the slice is rewritten); when there are none,
 * the terminating endpoints still serving, as kube-proxy falls back to them rather than drop
 * traffic while a rollout replaces every pod at once.
 */
export function readyBackends(port: ServicePort, endpoints: readonly ServiceEndpoint[], terminating: TerminatingPods = NO_TERMINATING_PODS): Backend[] {
  const name = port.name ?? '';
  const protocol = port.protocol ?? 'TCP';
  const ready: Backend[] = [];
  const fallback: Backend[] = [];
  const seen = new Set<string>();
  for (const e of endpoints) {
    const target = e.ports.find((p) => p.name === name && p.protocol === protocol);
    if (!target) continue;
    const backend = { ip: e.ip, port: target.port };
    const id = backendKey(backend);
    if (seen.has(id)) continue;
    const leaving = e.terminating || isTerminating(e, terminating);
    if (e.ready && !leaving) ready.push(backend);
    else if (leaving && e.serving) fallback.push(backend);
    else continue;
    seen.add(id);
  }
  return ready.length > 0 ? ready : fallback;
}

export function backendKey(b: Backend): string {
  return `${b.ip}:${b.port}`;
}
