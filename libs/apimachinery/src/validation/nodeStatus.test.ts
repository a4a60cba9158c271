import { describe, expect, it } from 'vitest';
import type { FieldErrors } from './fieldErrors.js';
import { validateNodeStatus } from './nodeStatus.js';

const causes = (status: unknown): FieldErrors => {
  const errs: FieldErrors = [];
  validateNodeStatus(status, errs);
  return errs;
};

const agentStatus = {
  capacity: { cpu: '4', memory: '8048712Ki', pods: '110' },
  allocatable: { cpu: '4', memory: '8048712Ki', pods: '110' },
  conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: '2026-12-05T09:00:00Z', lastTransitionTime: '2026-12-05T09:00:00Z' }],
  addresses: [{ type: 'InternalIP', address: '127.0.0.1' }, { type: 'Hostname', address: 'node-1' }],
  daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
  nodeInfo: { machineID: 'abc', kernelVersion: '6.1.0', containerRuntimeVersion: 'process://bubblewrap', kubeletVersion: 'v1.32.0', kubeProxyVersion: '', operatingSystem: 'linux', architecture: 'amd64' },
  images: [{ names: ['docker.io/library/nginx:1'], sizeBytes: 1000 }],
};

describe('validateNodeStatus', () => {
  it('accepts what a node agent writes', () => {
    expect(causes(agentStatus)).toEqual([]);
  });

  it.each<[string, unknown, { field: string; message: string }]>([
    ['an address type Kubernetes does not have', { addresses: [{ type: 'Script', address: 'x' }] }, { field: 'status.addresses[0].type', message: 'Unsupported value: "Script": supported values: "ExternalDNS", "ExternalIP", "Hostname", "InternalDNS", "InternalIP"' }],
    ['an InternalIP that is no IP', { addresses: [{ type: 'InternalIP', address: '<img src=x>' }] }, { field: 'status.addresses[0].address', message: 'Invalid value: "<img src=x>": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)' }],
    ['a capacity that is no quantity', { capacity: { pods: 'lots' } }, { field: 'status.capacity[pods]', message: expect.stringContaining('Invalid value: "lots"') }],
    ['a condition message over 32 KiB', { conditions: [{ type: 'Ready', status: 'True', message: 'x'.repeat(40_000) }] }, { field: 'status.conditions[0].message', message: 'Too long: must have at most 32768 bytes' }],
    ['a runtime version that is not a string', { nodeInfo: { containerRuntimeVersion: { html: '<b>' } } }, { field: 'status.nodeInfo.containerRuntimeVersion', message: expect.stringContaining(': expected string') }],
  ])('refuses %s', (_name, status, expected) => {
    expect(causes(status)).toContainEqual(expect.objectContaining(expected));
  });
});
