import { describe, expect, it } from 'vitest';
import { containerNetwork, routeConflicts } from './hostNetwork.js';

describe('containerNetwork', () => {
  it('puts pods and services in two /16s of 10/8 from the identity', () => {
    const net = containerNetwork({ id: 'abcdef12', podOctet: 42, serviceOctet: 230 });
    expect(net).toMatchObject({ clusterCidr: '10.42.0.0/16', serviceCidr: '10.102.0.0/16', dnsIp: '10.102.0.10', hostIp: '10.42.0.1', link: 'skhabcdef12', nftTable: 'skiff-abcdef12' });
    expect(net.nodeCidr(2)).toBe('10.42.2.0/24');
    expect(net.bridge(2)).toBe('skabcdef12n2');
  });

  it('keeps the pod range out of the service octets', () => {
    for (let p = 16; p < 200; p++) {
      for (const s of [224, 239]) {
        const net = containerNetwork({ id: 'x', podOctet: p, serviceOctet: s });
        expect(net.clusterCidr.split('.')[1]).not.toBe(net.serviceCidr.split('.')[1]);
      }
    }
  });
});

describe('routeConflicts', () => {
  const net = containerNetwork({ id: 'abcdef12', podOctet: 42, serviceOctet: 230 });
  it('ignores the default route and the cluster\'s own routes', () => {
    const routes = [
      'default via 192.168.1.1 dev eth0',
      'unreachable 10.42.0.0/16',
      '10.102.0.0/16 dev skhabcdef12 scope link',
      '10.42.1.0/24 dev skabcdef12n1 proto kernel scope link src 10.42.1.1',
      '192.168.1.0/24 dev eth0 proto kernel scope link',
    ].join('\n');
    expect(routeConflicts(routes, net)).toEqual([]);
  });

  it('reports a route of someone else inside or around the ranges', () => {
    const routes = ['10.0.0.0/8 via 192.168.1.254 dev eth0', '10.102.3.0/24 dev docker0', '10.43.0.0/16 dev other'].join('\n');
    expect(routeConflicts(routes, net)).toEqual(['10.0.0.0/8 via 192.168.1.254 dev eth0', '10.102.3.0/24 dev docker0']);
  });
});
