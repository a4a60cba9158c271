import { TooManyRequestsError } from '@skiff/apimachinery';
import { describe, expect, it } from 'vitest';
import { FlowControl, flowOf, isLongRunning, priorityLevelOf } from './flowControl.js';

const user = (name: string) => ({ name, groups: ['system:authenticated'] });

describe('flow control', () => {
  it('classifies as the default FlowSchemas do', () => {
    expect(priorityLevelOf({ name: 'admin', groups: ['system:masters'] })).toBe('exempt');
    expect(priorityLevelOf({ name: 'system:node:n1', groups: ['system:nodes'] })).toBe('node-high');
    expect(priorityLevelOf({ name: 'system:skiff:scheduler', groups: [] })).toBe('workload-high');
    expect(priorityLevelOf({ name: 'system:serviceaccount:team:app', groups: ['system:serviceaccounts'] })).toBe('workload-low');
    expect(priorityLevelOf(user('alice'))).toBe('global-default');
  });

  it('serves waiting flows in turn, refuses a full queue at once and a long wait later', async () => {
    // One seat per level; two waiting per flow.
    const fc = new FlowControl({ maxRequestsInflight: 1, maxMutatingRequestsInflight: 0, queueLengthLimit: 2, queueTimeoutMs: 200 });
    const order: string[] = [];
    const first = await fc.admit(user('x'), false);
    const queued = [
      fc.admit(user('x'), false).then((s) => (order.push('x2'), s)),
      fc.admit(user('x'), false).then((s) => (order.push('x3'), s)),
      fc.admit(user('y'), false).then((s) => (order.push('y1'), s)),
    ];
    await expect(fc.admit(user('x'), false)).rejects.toBeInstanceOf(TooManyRequestsError);
    expect(fc.state()['global-default']).toEqual({ seats: 1, executing: 1, waiting: 3 });
    first.release();
    (await queued[0]).release();
    (await queued[2]).release();
    (await queued[1]).release();
    // x had been waiting first; then y's turn before x's second.
    expect(order).toEqual(['x2', 'y1', 'x3']);
    const held = await fc.admit(user('z'), false);
    await expect(fc.admit(user('z'), false)).rejects.toThrow('Too many requests, please try again later.');
    held.release();
    expect(fc.state()['global-default']).toEqual({ seats: 1, executing: 0, waiting: 0 });
  });

  it('lets admins and long-running requests through without a seat', async () => {
    const fc = new FlowControl({ maxRequestsInflight: 1, maxMutatingRequestsInflight: 0, queueLengthLimit: 0, queueTimeoutMs: 100 });
    await fc.admit(user('x'), false);
    await expect(fc.admit(user('x'), true)).resolves.toBeDefined();
    await expect(fc.admit({ name: 'admin', groups: ['system:masters'] }, false)).resolves.toBeDefined();
    expect(isLongRunning('/api/v1/pods', new URLSearchParams('watch=True'))).toBe(true);
    expect(isLongRunning('/api/v1/namespaces/a/pods/p/log', new URLSearchParams('follow=true'))).toBe(true);
    expect(isLongRunning('/api/v1/pods', new URLSearchParams('watch=false'))).toBe(false);
  });

  const sim = { name: 'system:skiff:simulated-nodes', groups: ['system:nodes', 'system:authenticated'] };
  const kubelet = { name: 'system:node:n1', groups: ['system:nodes', 'system:authenticated'] };
  const podNode = (namespace: string, name: string) => (namespace === 'shop' && name === 'web-1' ? 'sim-node-3' : undefined);
  it.each([
    [kubelet, '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/n1', 'system:node:n1'],
    [kubelet, '/api/v1/namespaces/shop/pods/web-1/status', 'system:node:n1'],
    [user('alice'), '/api/v1/nodes/sim-node-7', 'alice'],
    [sim, '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/sim-node-7', 'system:skiff:simulated-nodes/sim-node-7'],
    [sim, '/api/v1/nodes/sim-node-7/status', 'system:skiff:simulated-nodes/sim-node-7'],
    [sim, '/api/v1/nodes/sim-node-7', 'system:skiff:simulated-nodes/sim-node-7'],
    [sim, '/api/v1/namespaces/shop/pods/web-1/status', 'system:skiff:simulated-nodes/sim-node-3'],
    [sim, '/api/v1/namespaces/shop/pods/web-1', 'system:skiff:simulated-nodes/sim-node-3'],
    [sim, '/api/v1/namespaces/shop/pods/unknown/status', 'system:skiff:simulated-nodes'],
    [sim, '/api/v1/nodes', 'system:skiff:simulated-nodes'],
    [sim, '/apis/coordination.k8s.io/v1/namespaces/other/leases/sim-node-7', 'system:skiff:simulated-nodes'],
  ])('a request of %o to %s is in flow %s', (p, path, flow) => {
    expect(flowOf(p, path, podNode)).toBe(flow);
  });
});
