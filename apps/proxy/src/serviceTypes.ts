import type { KubeObject } from '@skiff/apimachinery';

/** The parts of core/v1 Service the proxy reads, and the endpoint shapes its test builders take. */
export interface ServicePort {
  name?: string;
  port: number;
  protocol?: string;
  nodePort?: number;
}

export interface ServiceSpec {
  type?: 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';
  clusterIP?: string;
  ports?: ServicePort[];
  sessionAffinity?: 'None' | 'ClientIP';
  sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
}

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  targetRef?: { kind?: string; namespace?: string; name?: string; uid?: string };
}

export interface EndpointPort {
  name?: string;
  port: number;
  protocol?: string;
}

export function serviceSpec(svc: KubeObject): ServiceSpec {
  return (svc.spec ?? {}) as ServiceSpec;
}

export function namespacedName(obj: KubeObject): string {
  return `${obj.metadata.namespace ?? 'default'}/${obj.metadata.name}`;
}

/** A Service is headless when it asks for no virtual IP; such Services get DNS records only. */
export function isHeadless(spec: ServiceSpec): boolean {
  return spec.clusterIP === 'None';
}

export function hasClusterIP(spec: ServiceSpec): boolean {
  return !!spec.clusterIP && spec.clusterIP !== 'None' && spec.type !== 'ExternalName';
}
