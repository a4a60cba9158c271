import type { KubeObject } from '@skiff/apimachinery';
import type { EndpointAddress, EndpointPort, ServicePort, ServiceSpec } from '../serviceTypes.js';

/** Small builders for Services, Endpoints and Pods as tests and the bench write them. */
export function makeService(name: string, namespace = 'default') {
  const spec: ServiceSpec & { ports: ServicePort[] } = { type: 'ClusterIP', ports: [] };
  const b = {
    clusterIP(ip: string) {
      spec.clusterIP = ip;
      return b;
    },
    headless() {
      spec.clusterIP = 'None';
      return b;
    },
    type(t: ServiceSpec['type']) {
      spec.type = t;
      return b;
    },
    port(port: number, opts: { name?: string; nodePort?: number; protocol?: string; targetPort?: number } = {}) {
      spec.ports.push({ port, ...opts });
      return b;
    },
    affinity(timeoutSeconds?: number) {
      spec.sessionAffinity = 'ClientIP';
      if (timeoutSeconds !== undefined) spec.sessionAffinityConfig = { clientIP: { timeoutSeconds } };
      return b;
    },
    build(): KubeObject {
      return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: structuredClone(spec) };
    },
  };
  return b;
}

export interface SubsetSpec {
  addresses: (string | EndpointAddress)[];
  notReady?: (string | EndpointAddress)[];
  ports: EndpointPort[];
}

/**
 * A Service's EndpointSlices, one per subset (a slice has one set of ports), written the way the
 * endpointslice controller writes them: `addresses` ready, `notReady` not.
 */
export function makeEndpointSlices(service: string, subsets: SubsetSpec[], namespace = 'default'): KubeObject[] {
  const endpoint = (a: string | EndpointAddress, ready: boolean) => {
    const { ip, hostname, targetRef } = typeof a === 'string' ? { ip: a, hostname: undefined, targetRef: undefined } : a;
    return { addresses: [ip], conditions: { ready, serving: ready, terminating: false }, ...(hostname ? { hostname } : {}), ...(targetRef ? { targetRef } : {}) };
  };
  return subsets.map((s, i) => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${service}-${i}`, namespace, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints: [...s.addresses.map((a) => endpoint(a, true)), ...(s.notReady ?? []).map((a) => endpoint(a, false))],
    ports: s.ports.map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' })),
  }));
}

export function makePod(name: string, opts: { uid?: string; ip?: string; deleting?: boolean; namespace?: string } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: opts.namespace ?? 'default', ...(opts.uid ? { uid: opts.uid } : {}), ...(opts.deleting ? { deletionTimestamp: '2030-01-01T00:00:00Z' } : {}) },
    spec: { containers: [{ name: 'main', image: 'busybox:1' }] },
    status: opts.ip ? { podIP: opts.ip, podIPs: [{ ip: opts.ip }] } : {},
  };
}
