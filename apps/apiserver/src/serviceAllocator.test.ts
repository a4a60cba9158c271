import { InvalidError, type KubeObject } from '@skiff/apimachinery';
import { describe, expect, it } from 'vitest';
import { allocationsOf, keepAllocatedValues, serviceIpRange } from './serviceAllocator.js';

const svc = (spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec });
const nodePortOld = svc({
  type: 'NodePort',
  clusterIP: '127.224.0.7',
  clusterIPs: ['127.224.0.7'],
  externalTrafficPolicy: 'Cluster',
  ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 }, { name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 }],
});

describe('keepAllocatedValues', () => {
  it.each<[string, Record<string, unknown>, Record<string, unknown>]>([
    ['an update without clusterIP keeps the old one', { type: 'NodePort', ports: [] }, { clusterIP: '127.224.0.7', clusterIPs: ['127.224.0.7'] }],
    [
      'ports without nodePort keep the old port’s, by number and protocol, else by name',
      { type: 'NodePort', ports: [{ name: 'dns', port: 5353, protocol: 'UDP' }, { name: 'web', port: 80, protocol: 'TCP' }, { name: 'new', port: 81, protocol: 'TCP' }] },
      { ports: [{ name: 'dns', port: 5353, protocol: 'UDP', nodePort: 30053 }, { name: 'web', port: 80, protocol: 'TCP', nodePort: 30080 }, { name: 'new', port: 81, protocol: 'TCP' }] },
    ],
    [
      'becoming ClusterIP drops the node ports and traffic policy it still shows',
      { type: 'ClusterIP', externalTrafficPolicy: 'Cluster', ports: [{ name: 'http', port: 80, protocol: 'TCP', nodePort: 30080 }] },
      { type: 'ClusterIP', clusterIP: '127.224.0.7', ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
    ],
    ['becoming ExternalName drops the cluster IP', { type: 'ExternalName', externalName: 'example.com', clusterIP: '127.224.0.7' }, { type: 'ExternalName' }],
  ])('%s', (_, next, expected) => {
    const out = keepAllocatedValues(svc(next), nodePortOld);
    expect(out.spec).toMatchObject(expected);
    if (next.type === 'ExternalName') expect(out.spec).not.toHaveProperty('clusterIP');
    if (next.type === 'ClusterIP') expect(out.spec).not.toHaveProperty('externalTrafficPolicy');
  });

  it('refuses another cluster IP: it is immutable', () => {
    expect(() => keepAllocatedValues(svc({ clusterIP: '127.224.0.8' }), nodePortOld)).toThrow(InvalidError);
    expect(() => keepAllocatedValues(svc({ clusterIP: '127.224.0.8' }), nodePortOld)).toThrow('spec.clusterIP: Invalid value: "127.224.0.8": field is immutable');
  });
});

describe('allocationsOf', () => {
  it.each<[string, KubeObject, string[]]>([
    ['a NodePort Service holds its IP and each node port once', svc({ type: 'NodePort', clusterIP: '127.224.0.7', ports: [{ port: 53, protocol: 'TCP', nodePort: 30053 }, { port: 53, protocol: 'UDP', nodePort: 30053 }] }), ['service-ip/127.224.0.7', 'node-port/30053']],
    ['a headless Service holds nothing', svc({ clusterIP: 'None' }), []],
    ['an ExternalName Service holds nothing', svc({ type: 'ExternalName', clusterIP: '127.224.0.7' }), []],
    ['a ClusterIP Service holds no node ports', svc({ clusterIP: '127.224.0.7', ports: [{ port: 80, nodePort: 30080 }] }), ['service-ip/127.224.0.7']],
  ])('%s', (_, service, expected) => {
    expect(allocationsOf(service).map((a) => `${a.pool}/${a.value}`)).toEqual(expected);
  });
});

describe('serviceIpRange', () => {
  it('leaves out the network and broadcast addresses', () => {
    // 127.224.0.8/29: 8 addresses, .8 to .15; .9 to .14 may be handed out.
    const range = serviceIpRange('127.224.0.8/29');
    expect([range.first % 256, range.last % 256]).toEqual([9, 14]);
  });
});
