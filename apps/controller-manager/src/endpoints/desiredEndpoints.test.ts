import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { makePod } from '../testing/builders.js';
import { desiredLabels, desiredSubsets, resolveTargetPort } from './desiredEndpoints.js';

function service(ports: Record<string, unknown>[], extra: Record<string, unknown> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default', labels: { team: 'a' } }, spec: { selector: { app: 'web' }, ports, ...extra } };
}

function pod(name: string, ip: string | undefined, opts: { ready?: boolean; labels?: Record<string, string>; ports?: { name: string; containerPort: number }[]; deleting?: boolean; phase?: string } = {}): KubeObject {
  const b = makePod(name).node('n1');
  if (opts.ready ?? true) b.ready();
  else b.phase('Running');
  if (opts.phase) b.phase(opts.phase);
  const p = b.build();
  p.metadata.labels = opts.labels ?? { app: 'web' };
  if (ip) (p.status as { podIP?: string }).podIP = ip;
  if (opts.deleting) p.metadata.deletionTimestamp = '2026-01-01T00:00:00Z';
  (p.spec as { containers: { ports?: unknown }[] }).containers[0].ports = opts.ports ?? [{ name: 'http', containerPort: 8080 }];
  return p;
}

const ips = (list?: { ip: string }[]) => (list ?? []).map((a) => a.ip);

describe('resolveTargetPort', () => {
  const p = pod('a', '127.1.0.1');
  it.each([
    [{ port: 80, targetPort: 8080 }, 8080],
    [{ port: 80, targetPort: '8081' }, 8081],
    [{ port: 80, targetPort: 'http' }, 8080],
    [{ port: 80, targetPort: 'nope' }, undefined],
    [{ port: 80 }, 80],
    [{ port: 80, targetPort: 'http', protocol: 'UDP' }, undefined],
  ])('%j -> %s', (port, want) => {
    expect(resolveTargetPort(port as never, p)).toBe(want);
  });
});

describe('desiredSubsets', () => {
  it('puts ready pods in addresses and the rest in notReadyAddresses, sorted by IP, with named ports resolved', () => {
    const subsets = desiredSubsets(service([{ name: 'web', port: 80, targetPort: 'http' }]), [
      pod('c', '127.1.0.10'),
      pod('a', '127.1.0.9'),
      pod('b', '127.1.0.2', { ready: false }),
      pod('x', '127.1.0.3', { labels: { app: 'other' } }),
      pod('y', undefined),
      pod('z', '127.1.0.4', { deleting: true }),
      pod('done', '127.1.0.5', { phase: 'Succeeded' }),
    ]);
    expect(subsets).toHaveLength(1);
    expect(ips(subsets[0].addresses)).toEqual(['127.1.0.9', '127.1.0.10']);
    expect(ips(subsets[0].notReadyAddresses)).toEqual(['127.1.0.2']);
    expect(subsets[0].ports).toEqual([{ name: 'web', port: 8080, protocol: 'TCP' }]);
    expect(subsets[0].addresses![0]).toEqual({ ip: '127.1.0.9', nodeName: 'n1', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' } });
  });

  it('splits pods whose named port maps to different numbers into subsets, and skips pods without the port', () => {
    const subsets = desiredSubsets(service([{ port: 80, targetPort: 'http' }]), [
      pod('a', '127.1.0.1', { ports: [{ name: 'http', containerPort: 8080 }] }),
      pod('b', '127.1.0.2', { ports: [{ name: 'http', containerPort: 9090 }] }),
      pod('c', '127.1.0.3', { ports: [{ name: 'admin', containerPort: 7070 }] }),
    ]);
    expect(subsets.map((s) => [s.ports[0].port, ips(s.addresses)])).toEqual([
      [8080, ['127.1.0.1']],
      [9090, ['127.1.0.2']],
    ]);
  });

  it('publishes not-ready pods as ready with publishNotReadyAddresses', () => {
    const subsets = desiredSubsets(service([{ port: 80 }], { publishNotReadyAddresses: true }), [pod('b', '127.1.0.2', { ready: false })]);
    expect(ips(subsets[0].addresses)).toEqual(['127.1.0.2']);
  });

  it('gives nothing when no pod matches, and labels headless Services', () => {
    expect(desiredSubsets(service([{ port: 80 }]), [])).toEqual([]);
    expect(desiredLabels(service([], { clusterIP: 'None' }))).toEqual({ team: 'a', 'endpoints.kubernetes.io/managed-by': 'endpoint-controller', 'service.kubernetes.io/headless': '' });
  });

  // A StatefulSet pod (hostname + subdomain) is named in its governing Service's Endpoints, which
  // is what makes <pod>.<service>.<ns>.svc answer in the cluster DNS.
  it.each<[string, { hostname?: string; subdomain?: string }, string | undefined]>([
    ['hostname and subdomain = the Service', { hostname: 'web-0', subdomain: 'web' }, 'web-0'],
    ['subdomain of another Service', { hostname: 'web-0', subdomain: 'db' }, undefined],
    ['no subdomain', { hostname: 'web-0' }, undefined],
    ['no hostname', { subdomain: 'web' }, undefined],
  ])('endpoint hostname: %s', (_, spec, want) => {
    const p = pod('web-0', '127.1.0.7');
    Object.assign(p.spec as object, spec);
    const [subset] = desiredSubsets(service([{ port: 80 }], { clusterIP: 'None' }), [p]);
    expect(subset.addresses![0].hostname).toBe(want);
  });
});
