import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { planIngressStatuses } from './ingressStatus.js';

const ing = (name: string, ips: string[] = []): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, namespace: 'default' },
  spec: {},
  ...(ips.length ? { status: { loadBalancer: { ingress: ips.map((ip) => ({ ip })) } } } : {}),
});

describe('planIngressStatuses', () => {
  it.each([
    ['a served Ingress without status gets the address', [ing('a')], ['default/a'], [{ namespace: 'default', name: 'a', ingress: [{ ip: '127.0.0.1' }] }]],
    ['already showing it: no write', [ing('a', ['127.0.0.1'])], ['default/a'], []],
    ['another address is replaced', [ing('a', ['10.0.0.9'])], ['default/a'], [{ namespace: 'default', name: 'a', ingress: [{ ip: '127.0.0.1' }] }]],
    ['no longer served: our address is cleared', [ing('a', ['127.0.0.1'])], [], [{ namespace: 'default', name: 'a', ingress: null }]],
    ["another controller's address is left alone", [ing('a', ['10.0.0.9'])], [], []],
  ])('%s', (_what, ingresses, served, want) => {
    expect(planIngressStatuses(ingresses, served, '127.0.0.1')).toEqual(want);
  });
});
