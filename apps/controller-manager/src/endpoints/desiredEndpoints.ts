import { matchesLabels, selectorFromLabelSelector, type KubeObject } from '@skiff/apimachinery';
import { isPodReady, nodeNameOf, podPhase } from '../common/pods.js';

export const MANAGED_BY = 'endpoints.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'endpoint-controller';
export const HEADLESS = 'service.kubernetes.io/headless';

interface ServicePort {
  name?: string;
  port: number;
  protocol?: string;
  targetPort?: number | string;
  appProtocol?: string;
}

interface ServiceSpec {
  selector?: Record<string, string>;
  clusterIP?: string;
  ports?: ServicePort[];
  publishNotReadyAddresses?: boolean;
}

export interface EndpointAddress {
  ip: string;
  nodeName?: string;
  hostname?: string;
  targetRef: { kind: 'Pod'; namespace: string; name: string; uid: string };
}

export interface EndpointPort {
  name?: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports: EndpointPort[];
}

export function serviceSpec(svc: KubeObject): ServiceSpec {
  return (svc.spec ?? {}) as ServiceSpec;
}

/** Only Services with a selector get their Endpoints from the controller. */
export function hasSelector(svc: KubeObject): boolean {
  return Object.keys(serviceSpec(svc).selector ?? {}).length > 0;
}

/**
 * The port a Service port reaches on a pod: a number as it is, a name looked up among the pod's
 * container ports (undefined if the pod has no such port), and the Service port when unset.
 */
export function resolveTargetPort(port: ServicePort, pod: KubeObject): number | undefined {
  const target = port.targetPort ?? port.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const containers = ((pod.spec as { containers?: { ports?: { name?: string; containerPort: number; protocol?: string }[] }[] } | undefined)?.containers ?? []);
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === (port.protocol ?? 'TCP')) return p.containerPort;
    }
  }
  return undefined;
}

/**
 * The subsets a Service's Endpoints should hold: each matching pod with an address, ready ones
 * in `addresses`, others in `notReadyAddresses` (all ready with publishNotReadyAddresses);
 * finished and terminating pods are left out. Pods whose resolved ports differ (a named
 * targetPort that maps to different numbers) land in different subsets, as in Kubernetes.
 * Everything is sorted, so equal inputs give equal output and a converged object is not rewritten.
 */
export function desiredSubsets(svc: KubeObject, pods: readonly KubeObject[]): EndpointSubset[] {
  const spec = serviceSpec(svc);
  const selector = selectorFromLabelSelector({ matchLabels: spec.selector ?? {} });
  const bySignature = new Map<string, EndpointSubset>();
  for (const pod of pods) {
    if (pod.metadata.namespace !== svc.metadata.namespace) continue;
    if (!matchesLabels(selector, pod.metadata.labels)) continue;
    const ip = (pod.status as { podIP?: string } | undefined)?.podIP;
    if (!ip || pod.metadata.deletionTimestamp) continue;
    const phase = podPhase(pod);
    if (phase === 'Succeeded' || phase === 'Failed') continue;
    const ports: EndpointPort[] = [];
    for (const p of spec.ports ?? []) {
      const port = resolveTargetPort(p, pod);
      if (port === undefined) continue;
      ports.push({ ...(p.name ? { name: p.name } : {}), port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) });
    }
    if ((spec.ports ?? []).length > 0 && ports.length === 0) continue;
    ports.sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || a.port - b.port);
    const signature = JSON.stringify(ports);
    let subset = bySignature.get(signature);
    if (!subset) {
      subset = { ports };
      bySignature.set(signature, subset);
    }
    const podSpec = (pod.spec ?? {}) as { hostname?: string; subdomain?: string };
    const address: EndpointAddress = {
      ip,
      ...(podSpec.hostname && podSpec.subdomain === svc.metadata.name ? { hostname: podSpec.hostname } : {}),
      ...(nodeNameOf(pod) ? { nodeName: nodeNameOf(pod) } : {}),
      targetRef: { kind: 'Pod', namespace: pod.metadata.namespace!, name: pod.metadata.name!, uid: pod.metadata.uid! },
    };
    const ready = spec.publishNotReadyAddresses || isPodReady(pod);
    const list = ready ? (subset.addresses ??= []) : (subset.notReadyAddresses ??= []);
    list.push(address);
  }
  const byIp = (a: EndpointAddress, b: EndpointAddress) => compareIp(a.ip, b.ip) || a.targetRef.name.localeCompare(b.targetRef.name);
  const subsets = [...bySignature.values()];
  for (const s of subsets) {
    s.addresses?.sort(byIp);
    s.notReadyAddresses?.sort(byIp);
  }
  return subsets.sort((a, b) => JSON.stringify(a.ports).localeCompare(JSON.stringify(b.ports)));
}

function compareIp(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

/** Labels of the Endpoints: the Service's, plus headless and managed-by marks. */
export function desiredLabels(svc: KubeObject): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}), [MANAGED_BY]: MANAGED_BY_VALUE };
  if (serviceSpec(svc).clusterIP === 'None') labels[HEADLESS] = '';
  return labels;
}
