import { createHash } from 'node:crypto';
import { deepEqual, matchesLabels, selectorFromLabelSelector, type KubeObject, type OwnerReference } from '@skiff/apimachinery';
import type { Endpoint, EndpointPort, EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { isPodReady, nodeNameOf, podPhase } from '../common/pods.js';
import { resolveTargetPort, serviceSpec } from '../endpoints/desiredEndpoints.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const ENDPOINTSLICE_CONTROLLER = 'endpointslice-controller.k8s.io';
export const MIRRORING_CONTROLLER = 'endpointslicemirroring-controller.k8s.io';
export const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';
/** kube-controller-manager's `--max-endpoints-per-slice` default. */
export const MAX_ENDPOINTS_PER_SLICE = 100;

/** Endpoints that share one set of ports: they go into the same slices. */
export interface EndpointGroup {
  ports: EndpointPort[];
  endpoints: Endpoint[];
}

/** What every slice of one owner carries. */
export interface SliceOwner {
  namespace: string;
  /** The Service's name: the slices' `kubernetes.io/service-name` and their name prefix. */
  serviceName: string;
  labels: Record<string, string>;
  ownerReference: OwnerReference;
}

/**
 * A Service's pods as EndpointSlice endpoints, grouped by their resolved ports (a named
 * targetPort may map to different numbers on different pods), as kube-controller-manager's
 * endpointslice controller builds them:
 * - pods with an address that have not finished; terminating pods stay, with `terminating: true`
 *   and `ready: false` (kube-proxy keeps serving them to old connections, and falls back to them);
 * - `ready` = Ready and not terminating, `serving` = Ready (both true with publishNotReadyAddresses);
 * - `hostname` when the pod's `spec.hostname` is set and its `subdomain` is the Service;
 * - ports named as the Service's (unnamed: `""`), a pod lacking every port left out.
 * Sorted (groups by ports, endpoints by address then pod name) so equal inputs plan equal slices.
 */
export function endpointGroupsForService(svc: KubeObject, pods: readonly KubeObject[]): EndpointGroup[] {
  const spec = serviceSpec(svc);
  const selector = selectorFromLabelSelector({ matchLabels: spec.selector ?? {} });
  const groups = new Map<string, EndpointGroup>();
  for (const pod of pods) {
    if (pod.metadata.namespace !== svc.metadata.namespace || !matchesLabels(selector, pod.metadata.labels)) continue;
    const ip = (pod.status as { podIP?: string } | undefined)?.podIP;
    const phase = podPhase(pod);
    if (!ip || phase === 'Succeeded' || phase === 'Failed') continue;
    const ports: EndpointPort[] = [];
    for (const p of spec.ports ?? []) {
      const port = resolveTargetPort(p, pod);
      if (port === undefined) continue;
      ports.push({ name: p.name ?? '', port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) });
    }
    if ((spec.ports ?? []).length > 0 && ports.length === 0) continue;
    const terminating = !!pod.metadata.deletionTimestamp;
    const podReady = isPodReady(pod);
    const publish = !!spec.publishNotReadyAddresses;
    const podSpec = (pod.spec ?? {}) as { hostname?: string; subdomain?: string };
    const nodeName = nodeNameOf(pod);
    const endpoint: Endpoint = {
      addresses: [ip],
      conditions: { ready: publish || (podReady && !terminating), serving: publish || podReady, terminating },
      ...(podSpec.hostname && podSpec.subdomain === svc.metadata.name ? { hostname: podSpec.hostname } : {}),
      ...(nodeName ? { nodeName } : {}),
      targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
    };
    addToGroup(groups, ports, endpoint);
  }
  return sortedGroups(groups);
}

/**
 * The endpoints of a hand-written Endpoints object (a Service without a selector), as the
 * mirroring controller copies them: one group per subset, `ready` true for `addresses` and false
 * for `notReadyAddresses`.
 */
export function endpointGroupsForEndpoints(ep: KubeObject): EndpointGroup[] {
  type Address = { ip: string; hostname?: string; nodeName?: string; targetRef?: Endpoint['targetRef'] };
  type Subset = { addresses?: Address[]; notReadyAddresses?: Address[]; ports?: { name?: string; port: number; protocol?: string; appProtocol?: string }[] };
  const groups = new Map<string, EndpointGroup>();
  for (const subset of (ep.subsets as Subset[] | undefined) ?? []) {
    const ports: EndpointPort[] = (subset.ports ?? []).map((p) => ({ name: p.name ?? '', port: p.port, protocol: p.protocol ?? 'TCP', ...(p.appProtocol ? { appProtocol: p.appProtocol } : {}) }));
    const toEndpoint = (a: Address, ready: boolean): Endpoint => ({
      addresses: [a.ip],
      conditions: { ready },
      ...(a.hostname ? { hostname: a.hostname } : {}),
      ...(a.nodeName ? { nodeName: a.nodeName } : {}),
      ...(a.targetRef ? { targetRef: a.targetRef } : {}),
    });
    for (const a of subset.addresses ?? []) addToGroup(groups, ports, toEndpoint(a, true));
    for (const a of subset.notReadyAddresses ?? []) addToGroup(groups, ports, toEndpoint(a, false));
  }
  return sortedGroups(groups);
}

function addToGroup(groups: Map<string, EndpointGroup>, ports: EndpointPort[], endpoint: Endpoint): void {
  const sorted = [...ports].sort((a, b) => (a.name ?? '').localeCompare(b.name ?? '') || (a.port ?? 0) - (b.port ?? 0) || (a.protocol ?? '').localeCompare(b.protocol ?? ''));
  const key = JSON.stringify(sorted);
  let group = groups.get(key);
  if (!group) groups.set(key, (group = { ports: sorted, endpoints: [] }));
  // The same address twice (two subsets with the same ports) is one endpoint.
  if (!group.endpoints.some((e) => e.addresses[0] === endpoint.addresses[0])) group.endpoints.push(endpoint);
}

function sortedGroups(groups: Map<string, EndpointGroup>): EndpointGroup[] {
  for (const g of groups.values()) g.endpoints.sort((a, b) => compareIp(a.addresses[0], b.addresses[0]) || (a.targetRef?.name ?? '').localeCompare(b.targetRef?.name ?? ''));
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, g]) => g);
}

function compareIp(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 4; i++) if (pa[i] !== pb[i]) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return a.localeCompare(b);
}

/**
 * The slices an owner should have: each group cut into slices of at most `maxPerSlice`
 * endpoints; with no endpoints at all, one empty placeholder slice without ports (as Kubernetes
 * keeps, so a Service always has a slice to watch). Names are deterministic,
 * `<service>-<hash of ports and chunk>`, so a retried create is idempotent and a second pass
 * plans the same names.
 *
 * The mirroring controller asks for no placeholder: an Endpoints without addresses mirrors to nothing.
 *
 * Example: 250 endpoints on ports [http:8080] and 3 on [http:9090] make four slices: 100, 100
 * and 50 endpoints (chunks 0..2 of the first group) and 3 (chunk 0 of the second).
 */
export function desiredEndpointSlices(owner: SliceOwner, groups: readonly EndpointGroup[], managedBy: string, opts: { maxPerSlice?: number; placeholder?: boolean } = {}): EndpointSlice[] {
  const maxPerSlice = opts.maxPerSlice ?? MAX_ENDPOINTS_PER_SLICE;
  const slice = (ports: EndpointPort[] | undefined, endpoints: Endpoint[], chunk: number): EndpointSlice => ({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: sliceName(owner.serviceName, managedBy, ports, chunk),
      namespace: owner.namespace,
      labels: { ...owner.labels, [SERVICE_NAME_LABEL]: owner.serviceName, [MANAGED_BY_LABEL]: managedBy },
      ownerReferences: [owner.ownerReference],
    },
    addressType: 'IPv4',
    endpoints,
    ...(ports ? { ports } : {}),
  });
  const nonEmpty = groups.filter((g) => g.endpoints.length > 0);
  if (nonEmpty.length === 0) return opts.placeholder === false ? [] : [slice(undefined, [], 0)];
  return nonEmpty.flatMap((g) => {
    const out: EndpointSlice[] = [];
    for (let i = 0; i * maxPerSlice < g.endpoints.length; i++) out.push(slice(g.ports, g.endpoints.slice(i * maxPerSlice, (i + 1) * maxPerSlice), i));
    return out;
  });
}

function sliceName(serviceName: string, managedBy: string, ports: EndpointPort[] | undefined, chunk: number): string {
  // The manager is part of the hash: a Service that loses its selector passes from one controller
  // to the other, and their slices must not collide on a name while both exist.
  const hash = createHash('sha256').update(`${managedBy}#${JSON.stringify(ports ?? null)}#${chunk}`).digest('hex').slice(0, 5);
  // generateName's rule: the prefix is cut to leave room for the suffix within 63 characters.
  return `${serviceName.slice(0, 57)}-${hash}`;
}

/** Labels a Service's slices carry besides the service-name and managed-by marks: the Service's own, and headless. */
export function sliceLabelsForService(svc: KubeObject): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) if (k !== SERVICE_NAME_LABEL && k !== MANAGED_BY_LABEL) labels[k] = v;
  if (serviceSpec(svc).clusterIP === 'None') labels[HEADLESS_LABEL] = '';
  return labels;
}

export interface SliceChanges {
  create: EndpointSlice[];
  update: EndpointSlice[];
  delete: EndpointSlice[];
}

/**
 * Compares desired slices with the owner's current ones by name: missing ones are created,
 * differing ones updated (carrying the current resourceVersion, annotations and finalizers), the
 * rest deleted. Slices equal in what the controller writes are left alone, so a converged Service
 * costs no writes.
 */
export function planSliceChanges(desired: readonly EndpointSlice[], current: readonly EndpointSlice[]): SliceChanges {
  const byName = new Map(current.map((s) => [s.metadata?.name ?? '', s]));
  const wanted = new Set(desired.map((s) => s.metadata?.name ?? ''));
  const changes: SliceChanges = { create: [], update: [], delete: current.filter((s) => !wanted.has(s.metadata?.name ?? '')) };
  for (const d of desired) {
    const c = byName.get(d.metadata?.name ?? '');
    if (!c) {
      changes.create.push(d);
      continue;
    }
    if (sameSlice(c, d)) continue;
    changes.update.push({ ...d, metadata: { ...d.metadata, resourceVersion: c.metadata?.resourceVersion, ...(c.metadata?.annotations ? { annotations: c.metadata.annotations } : {}), ...(c.metadata?.finalizers ? { finalizers: c.metadata.finalizers } : {}) } });
  }
  return changes;
}

function sameSlice(a: EndpointSlice, b: EndpointSlice): boolean {
  return (
    a.addressType === b.addressType &&
    deepEqual(a.endpoints ?? [], b.endpoints ?? []) &&
    deepEqual(a.ports ?? [], b.ports ?? []) &&
    deepEqual(a.metadata?.labels ?? {}, b.metadata?.labels ?? {}) &&
    deepEqual((a.metadata?.ownerReferences ?? []).map((r) => r.uid), (b.metadata?.ownerReferences ?? []).map((r) => r.uid))
  );
}
