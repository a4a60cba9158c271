import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { endpointsByService } from './endpointSlices.js';
import { readyBackends } from './servicePortEndpoints.js';
import { terminatingPods } from './terminatingPods.js';
import { makePod } from './testing/builders.js';

type Conditions = { ready?: boolean; serving?: boolean; terminating?: boolean };

function slice(name: string, endpoints: [string, Conditions?, string?][], opts: { service?: string; addressType?: string; ports?: { name?: string; port?: number; protocol?: string }[] } = {}): KubeObject {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name, namespace: 'default', labels: opts.service === '' ? {} : { 'kubernetes.io/service-name': opts.service ?? 'web' } },
    addressType: opts.addressType ?? 'IPv4',
    endpoints: endpoints.map(([ip, conditions, uid]) => ({ addresses: [ip], ...(conditions ? { conditions } : {}), ...(uid ? { targetRef: { kind: 'Pod', uid } } : {}) })),
    ports: opts.ports ?? [{ name: '', port: 8080, protocol: 'TCP' }],
  };
}

const backends = (slices: KubeObject[], port = { port: 80 }, pods: KubeObject[] = []) => readyBackends(port, endpointsByService(slices).get('default/web') ?? [], terminatingPods(pods)).map((b) => `${b.ip}:${b.port}`);

describe('readyBackends from EndpointSlices', () => {
  it.each([
    ['ready endpoints, unset conditions meaning ready', [slice('a', [['10.0.0.1', { ready: true }], ['10.0.0.2']])], ['10.0.0.1:8080', '10.0.0.2:8080']],
    ['not ready left out', [slice('a', [['10.0.0.1', { ready: false }], ['10.0.0.2', { ready: true }]])], ['10.0.0.2:8080']],
    ['every slice of the Service, each address once', [slice('a', [['10.0.0.1']]), slice('b', [['10.0.0.2'], ['10.0.0.1']])], ['10.0.0.1:8080', '10.0.0.2:8080']],
    ['terminating left out while a ready one remains', [slice('a', [['10.0.0.1', { ready: false, serving: true, terminating: true }], ['10.0.0.2', { ready: true }]])], ['10.0.0.2:8080']],
    ['no ready one: serving terminating ones take the traffic', [slice('a', [['10.0.0.1', { ready: false, serving: true, terminating: true }], ['10.0.0.2', { ready: false, serving: false, terminating: true }]])], ['10.0.0.1:8080']],
    ['slices of other Services, unlabelled or not IPv4 are not read', [slice('a', [['10.0.0.1']], { service: 'other' }), slice('b', [['10.0.0.2']], { service: '' }), slice('c', [['fd00::1']], { addressType: 'IPv6' })], []],
    ['a port matched by name and protocol', [slice('a', [['10.0.0.1']], { ports: [{ name: 'http', port: 8080, protocol: 'UDP' }] })], []],
  ])('%s', (_what, slices, want) => {
    expect(backends(slices)).toEqual(want);
  });

  it('takes an endpoint whose Pod has a deletionTimestamp out before its slice says so, falling back to it if it is the last', () => {
    const pods = [makePod('a', { uid: 'u-1', deleting: true })];
    expect(backends([slice('a', [['10.0.0.1', { ready: true }, 'u-1'], ['10.0.0.2', { ready: true }]])], { port: 80 }, pods)).toEqual(['10.0.0.2:8080']);
    expect(backends([slice('a', [['10.0.0.1', { ready: true }, 'u-1']])], { port: 80 }, pods)).toEqual(['10.0.0.1:8080']);
  });
});
