import { shape, type KubeObject } from '@skiff/apimachinery';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** One endpoint of a Service as its EndpointSlices describe it, with the ports of its slice. */
export interface ServiceEndpoint {
  ip: string;
  hostname?: string;
  targetRef?: { uid?: string };
  /** `conditions.ready`; unset means ready (discovery/v1: "nil should be interpreted as true"). */
  ready: boolean;
  /** `conditions.serving`; unset: as ready. */
  serving: boolean;
  terminating: boolean;
  ports: { name: string; port: number; protocol: string }[];
}

/** `<namespace>/<service name>` to the Service's endpoints, across all its slices. */
export type EndpointsByService = Map<string, ServiceEndpoint[]>;

/**
 * Gathers EndpointSlices by the Service they belong to (`kubernetes.io/service-name`), as
 * kube-proxy's EndpointSliceCache does: every slice of a Service counts, whoever manages it (the
 * endpointslice controller, the mirroring controller, a user). Slices that are not IPv4, or name
 * no Service, are left out; an address in two slices of one Service is listed once per slice, the
 * consumer dedupes by address and port.
 */
export function endpointsByService(slices: readonly KubeObject[]): EndpointsByService {
  const out: EndpointsByService = new Map();
  const sorted = [...slices].sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
  for (const obj of sorted) {
    const slice = shape<EndpointSlice>(obj);
    const service = obj.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!service || slice.addressType !== 'IPv4') continue;
    const key = `${obj.metadata.namespace ?? 'default'}/${service}`;
    const ports = (slice.ports ?? []).flatMap((p) => (p.port === undefined ? [] : [{ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP' }]));
    let list = out.get(key);
    if (!list) out.set(key, (list = []));
    for (const e of slice.endpoints ?? []) {
      const ip = e.addresses?.[0];
      if (!ip) continue;
      const ready = e.conditions?.ready ?? true;
      list.push({
        ip,
        ...(e.hostname ? { hostname: e.hostname } : {}),
        ...(e.targetRef ? { targetRef: { uid: e.targetRef.uid } } : {}),
        ready,
        serving: e.conditions?.serving ?? ready,
        terminating: e.conditions?.terminating ?? false,
        ports,
      });
    }
  }
  return out;
}
