import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import type { EndpointSlice } from 'kubernetes-types/discovery/v1.js';
import { makePod } from '../testing/builders.js';
import {
  desiredEndpointSlices,
  endpointGroupsForEndpoints,
  endpointGroupsForService,
  ENDPOINTSLICE_CONTROLLER,
  planSliceChanges,
  sliceLabelsForService,
  type SliceOwner,
} from './desiredEndpointSlices.js';

function service(ports: Record<string, unknown>[], extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default', uid: 'svc-uid', labels: { team: 'a' } }, spec: { selector: { app: 'web' }, ports, ...extra } };
}

function pod(name: string, ip: string | undefined, opts: { ready?: boolean; ports?: { name: string; containerPort: number }[]; deleting?: boolean; phase?: string; hostname?: string; subdomain?: string } = {}): KubeObject {
  const b = makePod(name).node('n1');
  if (opts.ready ?? true) b.ready();
  else b.phase('Running');
  if (opts.phase) b.phase(opts.phase);
  const p = b.build();
  p.metadata.labels = { app: 'web' };
  if (ip) (p.status as { podIP?: string }).podIP = ip;
  if (opts.deleting) p.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
  const spec = p.spec as { hostname?: string; subdomain?: string; containers: { ports?: unknown }[] };
  spec.containers[0].ports = opts.ports ?? [{ name: 'http', containerPort: 8080 }];
  if (opts.hostname) spec.hostname = opts.hostname;
  if (opts.subdomain) spec.subdomain = opts.subdomain;
  return p;
}

const owner: SliceOwner = { namespace: 'default', serviceName: 'web', labels: { team: 'a' }, ownerReference: { apiVersion: 'v1', kind: 'Service', name: 'web', uid: 'svc-uid', controller: true, blockOwnerDeletion: true } };
const addresses = (s: EndpointSlice) => s.endpoints.map((e) => e.addresses[0]);

describe('endpointGroupsForService', () => {
  it.each([
    ['ready pod', { ready: true }, { ready: true, serving: true, terminating: false }],
    ['not ready pod', { ready: false }, { ready: false, serving: false, terminating: false }],
    ['ready pod being deleted', { ready: true, deleting: true }, { ready: false, serving: true, terminating: true }],
    ['not ready pod being deleted', { ready: false, deleting: true }, { ready: false, serving: false, terminating: true }],
  ])('%s -> %j', (_what, opts, conditions) => {
    const [group] = endpointGroupsForService(service([{ name: 'http', port: 80, targetPort: 'http' }]), [pod('a', '127.1.0.1', opts)]);
    expect(group.endpoints[0].conditions).toEqual(conditions);
  });

  it('publishNotReadyAddresses makes every endpoint ready and serving', () => {
    const [group] = endpointGroupsForService(service([{ port: 80 }], { publishNotReadyAddresses: true }), [pod('a', '127.1.0.1', { ready: false, deleting: true })]);
    expect(group.endpoints[0].conditions).toEqual({ ready: true, serving: true, terminating: true });
  });

  it('builds endpoints with nodeName, targetRef and hostname, sorted by address, leaving out pods without an IP or finished', () => {
    const groups = endpointGroupsForService(service([{ port: 80, targetPort: 'http' }]), [
      pod('c', '127.1.0.10', { hostname: 'c', subdomain: 'web' }),
      pod('a', '127.1.0.9', { hostname: 'a', subdomain: 'other' }),
      pod('none', undefined),
      pod('done', '127.1.0.5', { phase: 'Succeeded' }),
    ]);
    expect(groups).toHaveLength(1);
    expect(groups[0].ports).toEqual([{ name: '', port: 8080, protocol: 'TCP' }]);
    expect(groups[0].endpoints).toEqual([
      { addresses: ['127.1.0.9'], conditions: { ready: true, serving: true, terminating: false }, nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' } },
      { addresses: ['127.1.0.10'], conditions: { ready: true, serving: true, terminating: false }, hostname: 'c', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'default', name: 'c', uid: 'uid-c' } },
    ]);
  });

  it('groups pods by resolved ports and leaves out pods that have none of them', () => {
    const groups = endpointGroupsForService(service([{ name: 'http', port: 80, targetPort: 'http' }]), [
      pod('a', '127.1.0.1', { ports: [{ name: 'http', containerPort: 8080 }] }),
      pod('b', '127.1.0.2', { ports: [{ name: 'http', containerPort: 9090 }] }),
      pod('c', '127.1.0.3', { ports: [{ name: 'admin', containerPort: 7070 }] }),
    ]);
    expect(groups.map((g) => [g.ports[0].port, g.endpoints.map((e) => e.addresses[0])])).toEqual([
      [8080, ['127.1.0.1']],
      [9090, ['127.1.0.2']],
    ]);
  });
});

describe('endpointGroupsForEndpoints', () => {
  it('mirrors addresses as ready and notReadyAddresses as not ready, per subset', () => {
    const ep: KubeObject = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'db', namespace: 'default' },
      subsets: [{ addresses: [{ ip: '127.9.0.2' }, { ip: '127.9.0.1', hostname: 'one' }], notReadyAddresses: [{ ip: '127.9.0.3' }], ports: [{ name: 'pg', port: 5432 }] }],
    };
    expect(endpointGroupsForEndpoints(ep)).toEqual([
      {
        ports: [{ name: 'pg', port: 5432, protocol: 'TCP' }],
        endpoints: [
          { addresses: ['127.9.0.1'], conditions: { ready: true }, hostname: 'one' },
          { addresses: ['127.9.0.2'], conditions: { ready: true } },
          { addresses: ['127.9.0.3'], conditions: { ready: false } },
        ],
      },
    ]);
  });
});

describe('desiredEndpointSlices', () => {
  const group = (n: number, port = 8080) => ({ ports: [{ name: 'http', port, protocol: 'TCP' }], endpoints: Array.from({ length: n }, (_, i) => ({ addresses: [`127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`] })) });

  it.each([
    ['no endpoints: one placeholder without ports', [], [0]],
    ['one group under the limit', [group(3)], [3]],
    ['exactly the limit', [group(100)], [100]],
    ['250 endpoints: 100, 100, 50', [group(250)], [100, 100, 50]],
    ['two port groups', [group(250), group(3, 9090)], [100, 100, 50, 3]],
  ])('%s', (_what, groups, sizes) => {
    const slices = desiredEndpointSlices(owner, groups, ENDPOINTSLICE_CONTROLLER);
    expect(slices.map((s) => s.endpoints.length)).toEqual(sizes);
    expect(new Set(slices.map((s) => s.metadata!.name)).size).toBe(slices.length);
    for (const s of slices) {
      expect(s.metadata!.name).toMatch(/^web-[0-9a-f]{5}$/);
      expect(s.metadata!.labels).toEqual({ team: 'a', 'kubernetes.io/service-name': 'web', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' });
      expect(s.metadata!.ownerReferences).toEqual([owner.ownerReference]);
      expect(s.addressType).toBe('IPv4');
    }
    if (sizes[0] === 0) expect(slices[0].ports).toBeUndefined();
  });

  it('names slices the same on every pass', () => {
    const names = (g: typeof groups) => desiredEndpointSlices(owner, g, ENDPOINTSLICE_CONTROLLER).map((s) => s.metadata!.name);
    const groups = [group(150)];
    expect(names(groups)).toEqual(names([group(150)]));
  });

  it('labels headless Services and keeps the reserved labels to itself', () => {
    const svc = service([], { clusterIP: 'None' });
    svc.metadata.labels = { team: 'a', 'kubernetes.io/service-name': 'spoof' };
    expect(sliceLabelsForService(svc)).toEqual({ team: 'a', 'service.kubernetes.io/headless': '' });
  });
});

describe('planSliceChanges', () => {
  const [a, b] = desiredEndpointSlices(owner, [{ ports: [{ name: 'http', port: 8080, protocol: 'TCP' }], endpoints: [{ addresses: ['127.1.0.1'] }, { addresses: ['127.1.0.2'] }] }], ENDPOINTSLICE_CONTROLLER, { maxPerSlice: 1 });
  const stored = (s: EndpointSlice, rv: string): EndpointSlice => ({ ...s, metadata: { ...s.metadata, resourceVersion: rv, uid: `uid-${rv}`, annotations: { kept: 'yes' } } });
  const names = (list: EndpointSlice[]) => list.map((s) => s.metadata!.name);

  it.each([
    ['from empty: create all', [a, b], [], { create: [a, b], update: [], delete: [] }],
    ['converged: nothing', [a, b], [stored(a, '1'), stored(b, '2')], { create: [], update: [], delete: [] }],
    ['a slice no longer wanted: delete', [a], [stored(a, '1'), stored(b, '2')], { create: [], update: [], delete: [b] }],
  ])('%s', (_what, desired, current, want) => {
    const plan = planSliceChanges(desired, current);
    expect({ create: names(plan.create), update: names(plan.update), delete: names(plan.delete) }).toEqual({ create: names(want.create), update: names(want.update), delete: names(want.delete) });
  });

  it('updates a changed slice on top of the stored resourceVersion and annotations', () => {
    const changed: EndpointSlice = { ...a, endpoints: [{ addresses: ['127.1.0.1'], conditions: { ready: false } }] };
    const plan = planSliceChanges([changed], [stored(a, '7')]);
    expect(plan.update).toHaveLength(1);
    expect(plan.update[0].metadata).toMatchObject({ name: a.metadata!.name, resourceVersion: '7', annotations: { kept: 'yes' } });
    expect(plan.update[0].endpoints).toEqual(changed.endpoints);
  });
});
