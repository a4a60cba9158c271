import { describe, expect, it } from 'vitest';
import { makePod } from '../testing/builders.js';
import { resolvConf } from './podSandbox.js';

describe('resolvConf', () => {
  const pod = (spec: Record<string, unknown> = {}) => {
    const p = makePod('web').build();
    p.metadata.namespace = 'shop';
    Object.assign(p.spec as object, spec);
    return p;
  };

  it('points ClusterFirst pods at the cluster DNS with the namespace search path', () => {
    expect(resolvConf(pod(), '127.224.0.10')).toBe(
      '# Kubernetes-managed resolv.conf (Skiff).\nnameserver 127.224.0.10\nsearch shop.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5\n',
    );
  });

  it('adds dnsConfig, uses it alone with dnsPolicy None, and leaves Default pods the host file', () => {
    const cfg = { dnsConfig: { nameservers: ['127.0.0.53'], searches: ['corp.example'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } };
    expect(resolvConf(pod(cfg), '127.224.0.10')).toContain('nameserver 127.224.0.10\nnameserver 127.0.0.53\nsearch shop.svc.cluster.local svc.cluster.local cluster.local corp.example\noptions ndots:2 edns0\n');
    expect(resolvConf(pod({ ...cfg, dnsPolicy: 'None' }), '127.224.0.10')).toBe('# Kubernetes-managed resolv.conf (Skiff).\nnameserver 127.0.0.53\nsearch corp.example\noptions ndots:2 edns0\n');
    expect(resolvConf(pod({ dnsPolicy: 'Default' }), '127.224.0.10')).toBeUndefined();
  });
});
