import type { KubeObject } from '@skiff/apimachinery';
import { describe, expect, it } from 'vitest';
import { checkNftablesOptions, planNftables, type NftablesPlanOptions } from './planNftables.js';
import { runNft } from './runNft.js';
import { makeEndpointSlices, makePod, makeService } from './testing/builders.js';
import { NO_TERMINATING_PODS, terminatingPods } from './terminatingPods.js';

const TABLE = 'skiff-unit';

interface Case {
  what: string;
  services: KubeObject[];
  endpoints: KubeObject[];
  opts?: Partial<NftablesPlanOptions>;
  /** Lines the script must hold (trimmed, without the comma that separates map elements). */
  lines: string[];
  /** Substrings it must not hold. */
  absent?: string[];
  servicePorts: number;
  endpoints_: number;
  skipped?: string[];
}

const web = makeService('web').clusterIP('10.96.0.5').port(80, { name: 'http' });

const cases: Case[] = [
  {
    what: '3 ready endpoints, 1 not ready, 1 terminating: DNAT to one of the 3 at random',
    services: [web.build()],
    endpoints: [
      ...makeEndpointSlices('web', [
        {
          addresses: ['10.1.0.12', '10.1.0.10', '10.1.0.11', { ip: '10.1.0.14', targetRef: { kind: 'Pod', uid: 'leaving' } }],
          notReady: ['10.1.0.13'],
          ports: [{ name: 'http', port: 8080 }],
        },
      ]),
    ],
    lines: [
      'add table ip skiff-unit',
      'delete table ip skiff-unit',
      'table ip skiff-unit {',
      '10.96.0.5 . tcp . 80 comment "default/web:http" : goto service-default/web/tcp/http',
      'chain service-default/web/tcp/http {',
      'numgen random mod 3 vmap { 0 : goto endpoint-default/web/tcp/http__10.1.0.10/8080, 1 : goto endpoint-default/web/tcp/http__10.1.0.11/8080, 2 : goto endpoint-default/web/tcp/http__10.1.0.12/8080 }',
      'chain endpoint-default/web/tcp/http__10.1.0.11/8080 {',
      // Hairpin: a pod that lands on itself is masqueraded, or its own reply would bypass the un-DNAT.
      'ip saddr 10.1.0.11 jump mark-for-masquerade',
      'meta l4proto tcp dnat to 10.1.0.11:8080',
      'ip daddr . meta l4proto . th dport vmap @service-ips',
      'type nat hook prerouting priority -100; policy accept;',
      'type nat hook output priority -100; policy accept;',
      'type nat hook postrouting priority 100; policy accept;',
      '10.96.0.5 comment "default/web"',
    ],
    absent: ['10.1.0.13', '10.1.0.14', 'affinity-', 'saddr !='],
    servicePorts: 1,
    endpoints_: 3,
  },
  {
    what: 'named ports match by name, not position; protocols by protocol',
    services: [makeService('multi').clusterIP('10.96.0.6').port(80, { name: 'http' }).port(9090, { name: 'metrics' }).port(53, { name: 'dns', protocol: 'UDP' }).build()],
    endpoints: [
      ...makeEndpointSlices('multi', [
        {
          addresses: ['10.1.0.10'],
          ports: [
            { name: 'metrics', port: 9100 },
            { name: 'dns', port: 5353, protocol: 'UDP' },
            { name: 'http', port: 8080 },
          ],
        },
      ]),
    ],
    lines: [
      '10.96.0.6 . tcp . 80 comment "default/multi:http" : goto service-default/multi/tcp/http',
      '10.96.0.6 . tcp . 9090 comment "default/multi:metrics" : goto service-default/multi/tcp/metrics',
      '10.96.0.6 . udp . 53 comment "default/multi:dns" : goto service-default/multi/udp/dns',
      'meta l4proto tcp dnat to 10.1.0.10:8080',
      'meta l4proto tcp dnat to 10.1.0.10:9100',
      'meta l4proto udp dnat to 10.1.0.10:5353',
    ],
    servicePorts: 3,
    endpoints_: 3,
  },
  {
    what: 'no ready endpoints: not DNATed, so rejected at once as a ClusterIP (TCP reset, ICMP port-unreachable otherwise)',
    services: [makeService('empty').clusterIP('10.96.0.7').port(80).port(53, { name: 'dns', protocol: 'UDP' }).build()],
    endpoints: [...makeEndpointSlices('empty', [{ addresses: [], notReady: ['10.1.0.10'], ports: [{ port: 8080 }] }])],
    lines: [
      '10.96.0.7 comment "default/empty"',
      'ip daddr @cluster-ips goto reject-chain',
      'meta l4proto tcp reject with tcp reset',
      'reject',
      'type filter hook prerouting priority -90; policy accept;',
      'type filter hook output priority -90; policy accept;',
    ],
    absent: ['10.96.0.7 . ', 'chain service-', 'dnat to'],
    servicePorts: 2,
    endpoints_: 0,
  },
  {
    what: 'ClientIP affinity: a timed set per endpoint, consulted before the random pick and refreshed on use',
    services: [makeService('sticky').clusterIP('10.96.0.8').port(80).affinity(60).build(), makeService('sticky-default').clusterIP('10.96.0.9').port(80).affinity().build()],
    endpoints: [...makeEndpointSlices('sticky', [{ addresses: ['10.1.0.10', '10.1.0.11'], ports: [{ port: 8080 }] }]), ...makeEndpointSlices('sticky-default', [{ addresses: ['10.1.0.12'], ports: [{ port: 8080 }] }])],
    lines: [
      'set affinity-default/sticky/tcp/80__10.1.0.10/8080 {',
      'flags dynamic,timeout',
      'timeout 60s',
      'timeout 10800s',
      'ip saddr @affinity-default/sticky/tcp/80__10.1.0.11/8080 goto endpoint-default/sticky/tcp/80__10.1.0.11/8080',
      'update @affinity-default/sticky/tcp/80__10.1.0.11/8080 { ip saddr }',
      'numgen random mod 2 vmap { 0 : goto endpoint-default/sticky/tcp/80__10.1.0.10/8080, 1 : goto endpoint-default/sticky/tcp/80__10.1.0.11/8080 }',
    ],
    servicePorts: 2,
    endpoints_: 3,
  },
  {
    what: 'headless and ExternalName Services are left out; NodePorts stay with the userspace listeners',
    services: [
      makeService('headless').headless().port(80).build(),
      makeService('ext').type('ExternalName').port(80).build(),
      makeService('np').type('NodePort').clusterIP('10.96.0.10').port(80, { nodePort: 30080 }).build(),
    ],
    endpoints: [...makeEndpointSlices('headless', [{ addresses: ['10.1.0.10'], ports: [{ port: 8080 }] }]), ...makeEndpointSlices('np', [{ addresses: ['10.1.0.11'], ports: [{ port: 8080 }] }])],
    lines: ['10.96.0.10 . tcp . 80 comment "default/np:80" : goto service-default/np/tcp/80', '10.96.0.10 comment "default/np"'],
    absent: ['30080', 'headless', 'ext', '10.1.0.10'],
    servicePorts: 1,
    endpoints_: 1,
  },
  {
    what: 'masquerade from outside the cluster CIDR, and reject unallocated addresses of the service range',
    services: [web.build()],
    endpoints: [...makeEndpointSlices('web', [{ addresses: ['10.1.0.10'], ports: [{ name: 'http', port: 8080 }] }])],
    opts: { clusterCidr: '10.1.7.9/16', serviceClusterIpRange: '10.96.3.4/16' },
    lines: ['ip saddr != 10.1.0.0/16 jump mark-for-masquerade', 'ip daddr 10.96.0.0/16 reject with icmp type host-unreachable', 'ip daddr @cluster-ips goto reject-chain'],
    absent: ['\t\tjump mark-for-masquerade\n'],
    servicePorts: 1,
    endpoints_: 1,
  },
  {
    what: 'masqueradeAll marks every connection to a ClusterIP',
    services: [web.build()],
    endpoints: [...makeEndpointSlices('web', [{ addresses: ['10.1.0.10'], ports: [{ name: 'http', port: 8080 }] }])],
    opts: { masqueradeAll: true, clusterCidr: '10.1.0.0/16' },
    lines: ['jump mark-for-masquerade', 'meta mark & 0x4000 == 0 return', 'masquerade fully-random'],
    absent: ['saddr !='],
    servicePorts: 1,
    endpoints_: 1,
  },
  {
    what: 'what nft would refuse is skipped and reported, so one bad object cannot fail the whole table',
    services: [
      makeService('v6').clusterIP('fd00::5').port(80).build(),
      makeService('weird').clusterIP('10.96.0.11').port(80, { protocol: 'ICMP' }).build(),
      makeService('a-first').clusterIP('10.96.0.12').port(80).build(),
      makeService('b-dup').clusterIP('10.96.0.12').port(80).build(),
      makeService('bad-ep').clusterIP('10.96.0.13').port(80).affinity(0).build(),
    ],
    endpoints: [...makeEndpointSlices('bad-ep', [{ addresses: ['10.1.0.10', '10.1.0.256', '010.1.0.1', 'fd00::1'], ports: [{ port: 8080 }] }])],
    lines: ['10.96.0.12 comment "default/a-first"', 'meta l4proto tcp dnat to 10.1.0.10:8080', 'timeout 10800s'],
    absent: ['fd00', 'b-dup', '10.1.0.256', '010.1.0.1', '10.96.0.11'],
    servicePorts: 2,
    endpoints_: 1,
    skipped: [
      'default/b-dup:80: 10.96.0.12 . tcp . 80 is already default/a-first:80\'s',
      'default/bad-ep:80: endpoint 10.1.0.256:8080 is not an IPv4 address and port',
      'default/bad-ep:80: endpoint 010.1.0.1:8080 is not an IPv4 address and port',
      'default/bad-ep:80: endpoint fd00::1:8080 is not an IPv4 address and port',
      'default/bad-ep:80: affinity timeout 0 s is out of range; using 10800 s',
      'default/v6:80: ClusterIP fd00::5 is not an IPv4 address',
      'default/weird:80: protocol ICMP is not TCP, UDP or SCTP',
    ],
  },
  {
    what: 'names the API server should have refused still make valid, distinct chain names',
    services: [makeService('we b"x').clusterIP('10.96.0.14').port(80).build(), makeService('we_b_x').clusterIP('10.96.0.15').port(80).build(), makeService('x'.repeat(250)).clusterIP('10.96.0.16').port(80).build()],
    endpoints: [
      ...makeEndpointSlices('we b"x', [{ addresses: ['10.1.0.10'], ports: [{ port: 8080 }] }]),
      ...makeEndpointSlices('we_b_x', [{ addresses: ['10.1.0.10'], ports: [{ port: 8080 }] }]),
      ...makeEndpointSlices('x'.repeat(250), [{ addresses: ['10.1.0.10'], ports: [{ port: 8080 }] }]),
    ],
    lines: ['chain service-default/we_b_x/tcp/80 {', '10.96.0.14 comment "default/we b_x"'],
    absent: ['we b"x', `${'x'.repeat(201)}`],
    servicePorts: 3,
    endpoints_: 3,
  },
  {
    what: 'no Services: an empty table, still valid',
    services: [],
    endpoints: [],
    lines: ['table ip skiff-unit {', 'chain services {'],
    absent: ['elements'],
    servicePorts: 0,
    endpoints_: 0,
  },
  {
    what: 'a NodePort Service: the node addresses given serve its NodePort in the kernel too',
    services: [makeService('np').type('NodePort').clusterIP('10.96.0.9').port(80, { nodePort: 30080, targetPort: 8080 }).build()],
    endpoints: [...makeEndpointSlices('np', [{ addresses: ['10.1.0.20'], ports: [{ port: 8080 }] }])],
    opts: { nodePortAddresses: ['10.1.0.1', '192.0.2.7'] },
    lines: [
      '10.96.0.9 . tcp . 80 comment "default/np:80" : goto service-default/np/tcp/80',
      '10.1.0.1 . tcp . 30080 comment "default/np:80 NodePort" : goto service-default/np/tcp/80',
      '192.0.2.7 . tcp . 30080 comment "default/np:80 NodePort" : goto service-default/np/tcp/80',
    ],
    servicePorts: 1,
    endpoints_: 1,
  },
];

function plan(c: Pick<Case, 'services' | 'endpoints' | 'opts'>) {
  const terminating = terminatingPods([makePod('leaving', { uid: 'leaving', deleting: true })]);
  return planNftables(c.services, c.endpoints, { table: TABLE, terminating, ...c.opts });
}

describe('planNftables', () => {
  it.each(cases)('$what', (c) => {
    const p = plan(c);
    const lines = p.script.split('\n').map((l) => l.trim().replace(/,$/, ''));
    for (const line of c.lines) expect(lines, line).toContain(line);
    for (const s of c.absent ?? []) expect(p.script).not.toContain(s);
    expect({ servicePorts: p.servicePorts, endpoints: p.endpoints }).toEqual({ servicePorts: c.servicePorts, endpoints: c.endpoints_ });
    expect([...p.skipped].sort()).toEqual([...(c.skipped ?? [])].sort());
  });

  it.each(cases)('nft -c accepts the script: $what', async (c) => {
    const result = await runNft(['-c', '-f', '-'], plan(c).script);
    expect(result).toMatchObject({ ok: true });
  });

  it('writes the same script whatever order Services, EndpointSlices and endpoints come in', () => {
    const services = [web.build(), makeService('b').clusterIP('10.96.0.20').port(80).affinity(30).build(), makeService('a', 'other').clusterIP('10.96.0.21').port(80).build()];
    const endpoints = [
      ...makeEndpointSlices('web', [
        { addresses: ['10.1.0.12', '10.1.0.10'], ports: [{ name: 'http', port: 8080 }] },
        { addresses: ['10.1.0.11'], ports: [{ name: 'http', port: 8081 }] },
      ]),
      ...makeEndpointSlices('b', [{ addresses: ['10.1.0.30', '10.1.0.3'], ports: [{ port: 80 }] }]),
      ...makeEndpointSlices('a', [{ addresses: ['10.1.0.5'], ports: [{ port: 80 }] }], 'other'),
    ];
    const shuffled = endpoints.map((slice) => ({ ...slice, endpoints: [...(slice.endpoints as unknown[])].reverse() }));
    const first = planNftables(services, endpoints, { table: TABLE });
    const second = planNftables([...services].reverse(), [...shuffled].reverse(), { table: TABLE, terminating: NO_TERMINATING_PODS });
    expect(second.script).toBe(first.script);
    expect(second.affinitySets).toEqual(first.affinitySets);
  });

  it('lists endpoint counts per Service port and the affinity sets with their timeouts', () => {
    const p = plan({
      services: [web.build(), makeService('sticky').clusterIP('10.96.0.8').port(80).affinity(60).build()],
      endpoints: [...makeEndpointSlices('sticky', [{ addresses: ['10.1.0.10'], ports: [{ port: 8080 }] }])],
    });
    expect(p.endpointCounts).toEqual([
      { service: 'default/web', port: 'http', count: 0 },
      { service: 'default/sticky', port: '80', count: 1 },
    ]);
    expect(p.affinitySets).toEqual(new Map([['affinity-default/sticky/tcp/80__10.1.0.10/8080', 60]]));
  });

  it.each([
    { opts: { table: 'bad name' }, error: /invalid nftables table name/ },
    { opts: { table: '1skiff' }, error: /invalid nftables table name/ },
    { opts: { table: 'skiff', clusterCidr: '10.1.0.0/33' }, error: /invalid CIDR/ },
    { opts: { table: 'skiff', serviceClusterIpRange: 'fd00::/64' }, error: /invalid CIDR/ },
  ])('refuses configuration nft would not take: $opts', ({ opts, error }) => {
    expect(() => checkNftablesOptions(opts)).toThrow(error);
    expect(() => planNftables([], [], opts)).toThrow(error);
  });
});
