import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { applyLimitRangeDefaults, limitRangeViolations } from './limitRanger.js';

const limitRange = (...limits: object[]): KubeObject => ({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'lr', namespace: 'default' }, spec: { limits } });
const pod = (containers: object[], initContainers: object[] = []): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default' },
  spec: { containers, ...(initContainers.length ? { initContainers } : {}) },
});

describe('applyLimitRangeDefaults', () => {
  it('fills only what a container leaves unset, init containers too, and says so', () => {
    const out = applyLimitRangeDefaults(
      pod([{ name: 'app', resources: { limits: { cpu: '1' }, requests: { cpu: '1' } } }], [{ name: 'setup' }]),
      [limitRange({ type: 'Container', default: { cpu: '500m', memory: '64Mi' }, defaultRequest: { cpu: '100m', memory: '32Mi' } })],
    );
    const spec = out.spec as { containers: { resources: object }[]; initContainers: { resources: object }[] };
    expect(spec.containers[0].resources).toEqual({ limits: { cpu: '1', memory: '64Mi' }, requests: { cpu: '1', memory: '32Mi' } });
    expect(spec.initContainers[0].resources).toEqual({ limits: { cpu: '500m', memory: '64Mi' }, requests: { cpu: '100m', memory: '32Mi' } });
    expect(out.metadata.annotations?.['kubernetes.io/limit-ranger']).toBe(
      'LimitRanger plugin set: memory request for container app; memory limit for container app; cpu, memory request for init container setup; cpu, memory limit for init container setup',
    );
  });

  it('leaves the pod as it is without Container defaults', () => {
    const p = pod([{ name: 'app' }]);
    expect(applyLimitRangeDefaults(p, [limitRange({ type: 'Pod', max: { cpu: '1' } })])).toBe(p);
  });
});

describe('limitRangeViolations', () => {
  it.each([
    ['no request under a min', limitRange({ type: 'Container', min: { memory: '1Mi' } }), pod([{ name: 'a' }]), ['minimum memory usage per Container is 1Mi.  No request is specified']],
    ['no limit under a max', limitRange({ type: 'Container', max: { cpu: '1' } }), pod([{ name: 'a', resources: { requests: { cpu: '1' } } }]), ['maximum cpu usage per Container is 1.  No limit is specified']],
    ['a request over a max', limitRange({ type: 'Container', max: { cpu: '1' } }), pod([{ name: 'a', resources: { requests: { cpu: '1500m' }, limits: { cpu: '1' } } }]), ['maximum cpu usage per Container is 1, but request is 1500m']],
    ['a ratio without a request', limitRange({ type: 'Container', maxLimitRequestRatio: { cpu: '2' } }), pod([{ name: 'a', resources: { limits: { cpu: '1' } } }]), ['cpu max limit to request ratio per Container is 2, but no request is specified or request is 0']],
    ['init containers raise a Pod total to their own size', limitRange({ type: 'Pod', max: { cpu: '1' } }), pod([{ name: 'a', resources: { limits: { cpu: '300m' } } }, { name: 'b', resources: { limits: { cpu: '300m' } } }], [{ name: 'i', resources: { limits: { cpu: '2' } } }]), ['maximum cpu usage per Pod is 1, but limit is 2']],
    ['within bounds', limitRange({ type: 'Container', min: { cpu: '100m' }, max: { cpu: '1' } }), pod([{ name: 'a', resources: { requests: { cpu: '0.1' }, limits: { cpu: '1000m' } } }]), []],
  ])('%s', (_, lr, p, expected) => {
    expect(limitRangeViolations(p, [lr])).toEqual(expected);
  });
});
