import type { KubeObject } from '@skiff/apimachinery';
import { endpointSubsets, hasClusterIP, namespacedName, serviceSpec, type ServicePort } from './serviceTypes.js';
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
 * A Service port matches the Endpoints ports with the same name (both unnamed for a single-port
 * Service) and protocol, as in Kubernetes; each ready address of a subset times each matching port
 * of that subset is one backend. Not-ready addresses and addresses of terminating Pods are left out.
 */
export function servicePortEndpoints(services: readonly KubeObject[], endpoints: readonly KubeObject[], terminating: TerminatingPods = NO_TERMINATING_PODS): ServicePortEndpoints[] {
  const endpointsByName = new Map(endpoints.map((ep) => [namespacedName(ep), ep]));
  const sorted = [...services].sort((a, b) => namespacedName(a).localeCompare(namespacedName(b)));
  const out: ServicePortEndpoints[] = [];
  for (const svc of sorted) {
    const spec = serviceSpec(svc);
    if (!hasClusterIP(spec)) continue;
    const service = namespacedName(svc);
    const ep = endpointsByName.get(service);
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
        backends: ep ? readyBackends(port, ep, terminating) : [],
        ...affinity,
      });
    }
  }
  return out;
}

/** The ready `ip:port` pairs of `ep` for one Service port, in subset order, each once. */
export function readyBackends(port: ServicePort, ep: KubeObject, terminating: TerminatingPods = NO_TERMINATING_PODS): Backend[] {
  const name = port.name ?? '';
  const protocol = port.protocol ?? 'TCP';
  const seen = new Set<string>();
  const backends: Backend[] = [];
  for (const subset of endpointSubsets(ep)) {
    const target = (subset.ports ?? []).find((p) => (p.name ?? '') === name && (p.protocol ?? 'TCP') === protocol);
    if (!target) continue;
    for (const address of subset.addresses ?? []) {
      if (isTerminating(address, terminating)) continue;
      const id = backendKey({ ip: address.ip, port: target.port });
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
