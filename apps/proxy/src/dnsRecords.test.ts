import { describe, expect, it } from 'vitest';
import { answerQuestion, buildDnsRecords, hostNameserver } from './dnsRecords.js';
import { makeEndpointSlices, makeService } from './testing/builders.js';

const DOMAIN = 'cluster.local';
const records = buildDnsRecords(
  [makeService('web').clusterIP('127.224.0.5').port(80).build(), makeService('db', 'data').headless().port(5432).build()],
  [
    ...makeEndpointSlices('web', [{ addresses: ['127.16.0.2'], ports: [{ port: 8080 }] }]),
    ...makeEndpointSlices('db', [{ addresses: [{ ip: '127.16.0.4', hostname: 'db-1' }, { ip: '127.16.0.3', hostname: 'db-0' }], notReady: ['127.16.0.9'], ports: [{ port: 5432 }] }], 'data'),
  ],
  DOMAIN,
);

describe('cluster DNS answers', () => {
  it.each([
    { q: 'web.default.svc.cluster.local', type: 'A', want: { kind: 'answer', rcode: 'NOERROR', addresses: ['127.224.0.5'] } },
    { q: 'WEB.Default.SVC.cluster.local.', type: 'A', want: { kind: 'answer', rcode: 'NOERROR', addresses: ['127.224.0.5'] } },
    { q: 'web.default.svc.cluster.local', type: 'AAAA', want: { kind: 'answer', rcode: 'NOERROR', addresses: [] } },
    { q: 'db.data.svc.cluster.local', type: 'A', want: { kind: 'answer', rcode: 'NOERROR', addresses: ['127.16.0.3', '127.16.0.4'] } },
    { q: 'db-1.db.data.svc.cluster.local', type: 'A', want: { kind: 'answer', rcode: 'NOERROR', addresses: ['127.16.0.4'] } },
    { q: 'nope.default.svc.cluster.local', type: 'A', want: { kind: 'answer', rcode: 'NXDOMAIN', addresses: [] } },
    { q: 'web.default.svc.cluster.local.evil.com', type: 'A', want: { kind: 'forward' } },
    { q: 'example.com', type: 'A', want: { kind: 'forward' } },
  ])('$q $type', ({ q, type, want }) => {
    expect(answerQuestion(records, { name: q, type }, DOMAIN)).toMatchObject(want);
  });
});

describe('hostNameserver', () => {
  it('takes the first nameserver that is not the proxy itself', () => {
    expect(hostNameserver('search x\nnameserver 127.224.0.10\n# nameserver 1.1.1.1\nnameserver 10.0.0.2\nnameserver 10.0.0.3\n', ['127.224.0.10'])).toBe('10.0.0.2');
    expect(hostNameserver('nameserver 127.224.0.10\n', ['127.224.0.10'])).toBeUndefined();
  });
});
