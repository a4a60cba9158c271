import { describe, expect, it } from 'vitest';
import { planListeners, type ProxyPlan } from './planListeners.js';
import { makeEndpointSlices, makePod, makeService } from './testing/builders.js';
import { terminatingPods } from './terminatingPods.js';

const NODE = '127.0.0.1';

function summarize(plan: ProxyPlan) {
  return {
    listeners: [...plan.listeners.values()].map((l) => `${l.key} -> ${l.servicePort}`),
    backends: Object.fromEntries([...plan.servicePorts.values()].map((sp) => [sp.key, sp.backends.map((b) => `${b.ip}:${b.port}`)])),
  };
}

describe('planListeners', () => {
  it.each([
    {
      what: 'an unnamed single port matches the unnamed endpoint port',
      services: [makeService('web').clusterIP('127.224.0.5').port(80).build()],
      endpoints: [...makeEndpointSlices('web', [{ addresses: ['127.16.0.2', '127.16.0.3'], ports: [{ port: 8080 }] }])],
      listeners: ['127.224.0.5:80 -> default/web:80'],
      backends: { 'default/web:80': ['127.16.0.2:8080', '127.16.0.3:8080'] },
    },
    {
      what: 'named ports match by name, not by position',
      services: [makeService('web').clusterIP('127.224.0.5').port(80, { name: 'http' }).port(9090, { name: 'metrics' }).build()],
      endpoints: [...makeEndpointSlices('web', [{ addresses: ['127.16.0.2'], ports: [{ name: 'metrics', port: 9100 }, { name: 'http', port: 8080 }] }])],
      listeners: ['127.224.0.5:80 -> default/web:http', '127.224.0.5:9090 -> default/web:metrics'],
      backends: { 'default/web:http': ['127.16.0.2:8080'], 'default/web:metrics': ['127.16.0.2:9100'] },
    },
    {
      what: 'each subset contributes its addresses times its matching port; not-ready addresses are left out',
      services: [makeService('web').clusterIP('127.224.0.5').port(80, { name: 'http' }).build()],
      endpoints: [
        ...makeEndpointSlices('web', [
          { addresses: ['127.16.0.2'], notReady: ['127.16.0.9'], ports: [{ name: 'http', port: 8080 }] },
          { addresses: ['127.16.1.2'], ports: [{ name: 'http', port: 8081 }] },
        ]),
      ],
      listeners: ['127.224.0.5:80 -> default/web:http'],
      backends: { 'default/web:http': ['127.16.0.2:8080', '127.16.1.2:8081'] },
    },
    {
      what: 'a Service without Endpoints still listens, with no backends (connections are rejected)',
      services: [makeService('web').clusterIP('127.224.0.5').port(80).build()],
      endpoints: [],
      listeners: ['127.224.0.5:80 -> default/web:80'],
      backends: { 'default/web:80': [] },
    },
    {
      what: 'NodePort and LoadBalancer Services also listen on the node port address',
      services: [
        makeService('np').type('NodePort').clusterIP('127.224.0.6').port(80, { nodePort: 30080 }).build(),
        makeService('lb').type('LoadBalancer').clusterIP('127.224.0.7').port(80, { nodePort: 30081 }).build(),
      ],
      endpoints: [],
      listeners: ['127.224.0.7:80 -> default/lb:80', `${NODE}:30081 -> default/lb:80`, '127.224.0.6:80 -> default/np:80', `${NODE}:30080 -> default/np:80`],
      backends: { 'default/lb:80': [], 'default/np:80': [] },
    },
    {
      what: 'headless, ExternalName and SCTP ports get no listener',
      services: [
        makeService('headless').headless().port(80).build(),
        makeService('ext').type('ExternalName').port(80).build(),
        makeService('sctp').clusterIP('127.224.0.8').port(9999, { protocol: 'SCTP' }).build(),
      ],
      endpoints: [],
      listeners: [],
      backends: {},
    },
    {
      what: 'UDP ports get a UDP listener beside the TCP one on the same port, matched to endpoint ports by protocol',
      services: [makeService('dns').type('NodePort').clusterIP('127.224.0.10').port(53, { name: 'dns', protocol: 'UDP', nodePort: 30053 }).port(53, { name: 'dns-tcp', nodePort: 30053 }).build()],
      endpoints: [...makeEndpointSlices('dns', [{ addresses: ['127.16.0.2'], ports: [{ name: 'dns', port: 5353, protocol: 'UDP' }, { name: 'dns-tcp', port: 5353 }] }])],
      listeners: ['127.224.0.10:53/udp -> default/dns:dns', `${NODE}:30053/udp -> default/dns:dns`, '127.224.0.10:53 -> default/dns:dns-tcp', `${NODE}:30053 -> default/dns:dns-tcp`],
      backends: { 'default/dns:dns': ['127.16.0.2:5353'], 'default/dns:dns-tcp': ['127.16.0.2:5353'] },
    },
  ])('$what', ({ services, endpoints, listeners, backends }) => {
    expect(summarize(planListeners(services, endpoints, { nodePortAddress: NODE }))).toEqual({ listeners, backends });
  });

  it('leaves out endpoints whose pod is terminating, by uid or by IP', () => {
    const svc = makeService('web').clusterIP('127.224.0.5').port(80).build();
    const slices = makeEndpointSlices('web', [
      { addresses: [{ ip: '127.16.0.2', targetRef: { kind: 'Pod', uid: 'u-2' } }, { ip: '127.16.0.3' }, { ip: '127.16.0.4', targetRef: { kind: 'Pod', uid: 'u-4' } }], ports: [{ port: 8080 }] },
    ]);
    const terminating = terminatingPods([makePod('a', { uid: 'u-2', deleting: true }), makePod('b', { ip: '127.16.0.3', deleting: true }), makePod('c', { uid: 'u-4', ip: '127.16.0.4' })]);
    const plan = planListeners([svc], slices, { nodePortAddress: NODE, terminating });
    expect(plan.servicePorts.get('default/web:80')!.backends).toEqual([{ ip: '127.16.0.4', port: 8080 }]);
  });

  it('carries ClientIP affinity with its timeout, 10800 s by default', () => {
    const plan = planListeners([makeService('a').clusterIP('127.224.0.5').port(80).affinity().build(), makeService('b').clusterIP('127.224.0.6').port(80).affinity(30).build()], [], {
      nodePortAddress: NODE,
    });
    expect(plan.servicePorts.get('default/a:80')!.affinityTimeoutSeconds).toBe(10_800);
    expect(plan.servicePorts.get('default/b:80')!.affinityTimeoutSeconds).toBe(30);
  });

  it('plans only NodePort listeners and their Service ports when the kernel serves ClusterIPs', () => {
    const plan = planListeners(
      [makeService('np').type('NodePort').clusterIP('10.96.0.6').port(80, { nodePort: 30080 }).build(), makeService('web').clusterIP('10.96.0.5').port(80).build()],
      [...makeEndpointSlices('np', [{ addresses: ['10.1.0.2'], ports: [{ port: 8080 }] }])],
      { nodePortAddress: NODE, clusterIPs: false },
    );
    expect(summarize(plan)).toEqual({ listeners: [`${NODE}:30080 -> default/np:80`], backends: { 'default/np:80': ['10.1.0.2:8080'] } });
  });

  it('gives a contested listener to the first Service by namespace/name and reports the conflict', () => {
    const plan = planListeners([makeService('b').clusterIP('127.224.0.5').port(80).build(), makeService('a').clusterIP('127.224.0.5').port(80).build()], [], { nodePortAddress: NODE });
    expect(plan.listeners.get('127.224.0.5:80')!.servicePort).toBe('default/a:80');
    expect(plan.conflicts).toHaveLength(1);
  });
});
