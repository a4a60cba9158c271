import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { countedTypes, desiredQuotaStatus, sameQuotaStatus } from './desiredQuotaStatus.js';

const quota = (hard: Record<string, string>, scopes?: string[]): KubeObject => ({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: 'default' }, spec: { hard, ...(scopes ? { scopes } : {}) } });
const pod = (name: string, resources?: object, phase = 'Running', extra: object = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default' },
  spec: { containers: [{ name: 'c', image: 'x', ...(resources ? { resources } : {}) }], ...extra },
  status: { phase },
});
const svc = (type: string, ports: number): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: type, namespace: 'default' }, spec: { type, ports: Array.from({ length: ports }, (_, i) => ({ port: 80 + i })) } });

describe('desiredQuotaStatus', () => {
  it.each([
    ['counts pods and sums their compute, finished pods hold none', quota({ pods: '10', 'requests.cpu': '4', 'limits.memory': '1Gi', 'count/pods': '10' }),
      { '/pods': [pod('a', { requests: { cpu: '250m' }, limits: { memory: '256Mi' } }), pod('b', { requests: { cpu: '0.5' }, limits: { memory: '256Mi' } }), pod('done', { requests: { cpu: '1' } }, 'Succeeded')] },
      { pods: '2', 'requests.cpu': '750m', 'limits.memory': '512Mi', 'count/pods': '3' }],
    ['node ports and load balancers of Services', quota({ services: '5', 'services.nodeports': '5', 'services.loadbalancers': '1' }),
      { '/services': [svc('ClusterIP', 1), svc('NodePort', 2), svc('LoadBalancer', 1)] },
      { services: '3', 'services.nodeports': '3', 'services.loadbalancers': '1' }],
    ['scopes select pods', quota({ pods: '10' }, ['NotBestEffort']), { '/pods': [pod('be'), pod('sized', { requests: { cpu: '1' } })] }, { pods: '1' }],
    ['Terminating pods have a deadline', quota({ pods: '10' }, ['Terminating']), { '/pods': [pod('job', undefined, 'Running', { activeDeadlineSeconds: 60 }), pod('web')] }, { pods: '1' }],
    ['0 for names nothing uses', quota({ configmaps: '1', 'count/deployments.apps': '1' }), {}, { configmaps: '0', 'count/deployments.apps': '0' }],
  ])('%s', (_, q, objects, used) => {
    const status = desiredQuotaStatus(q, new Map(Object.entries(objects)));
    expect(status.used).toEqual(used);
    expect(status.hard).toEqual((q.spec as { hard: object }).hard);
  });

  it('lists each counted kind once', () => {
    expect(countedTypes(quota({ pods: '1', 'requests.cpu': '1', 'count/deployments.apps': '1', configmaps: '1' }))).toEqual([
      { group: '', resource: 'pods' },
      { group: 'apps', resource: 'deployments' },
      { group: '', resource: 'configmaps' },
    ]);
  });

  it('compares quantities by value, not by how they are written', () => {
    expect(sameQuotaStatus({ hard: { cpu: '1000m' }, used: { cpu: '0' } }, { hard: { cpu: '1' }, used: { cpu: '0' } })).toBe(true);
    expect(sameQuotaStatus({ hard: { cpu: '1' } }, { hard: { cpu: '1' }, used: { cpu: '0' } })).toBe(false);
  });
});
