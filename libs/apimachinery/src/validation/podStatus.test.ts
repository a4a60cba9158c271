import { describe, expect, it } from 'vitest';
import type { FieldErrors } from './fieldErrors.js';
import { validatePodStatus } from './podStatus.js';

const causes = (status: unknown): FieldErrors => {
  const errs: FieldErrors = [];
  validatePodStatus(status, errs);
  return errs;
};

const running = {
  phase: 'Running',
  podIP: '10.0.0.5',
  podIPs: [{ ip: '10.0.0.5' }],
  hostIP: '127.0.0.1',
  startTime: '2026-12-05T09:00:00Z',
  conditions: [{ type: 'Ready', status: 'True', lastProbeTime: null, lastTransitionTime: '2026-12-05T09:00:01Z' }],
  containerStatuses: [{ name: 'web', ready: true, started: true, restartCount: 0, image: 'nginx', imageID: '', state: { running: { startedAt: '2026-12-05T09:00:01Z' } }, lastState: {} }],
};

describe('validatePodStatus', () => {
  it('accepts what a node agent writes, and text that looks like HTML (it is shown as text)', () => {
    expect(causes(running)).toEqual([]);
    expect(causes({ ...running, message: '<img src=x onerror=alert(1)>', reason: 'Evicted' })).toEqual([]);
  });

  it.each<[string, unknown, { field: string; message: string }]>([
    ['a phase outside the enum', { phase: 'Exploded' }, { field: 'status.phase', message: 'Unsupported value: "Exploded": supported values: "Failed", "Pending", "Running", "Succeeded", "Unknown"' }],
    ['a message over 32 KiB', { message: 'x'.repeat(32769) }, { field: 'status.message', message: 'Too long: must have at most 32768 bytes' }],
    ['a reason over 1 KiB', { reason: 'x'.repeat(1025) }, { field: 'status.reason', message: 'Too long: must have at most 1024 bytes' }],
    ['a condition status outside True/False/Unknown', { conditions: [{ type: 'Ready', status: 'yes' }] }, { field: 'status.conditions[0].status', message: 'Unsupported value: "yes": supported values: "False", "True", "Unknown"' }],
    ['a condition that is not an object', { conditions: ['Ready'] }, { field: 'status.conditions[0]', message: 'Invalid value: "Ready": expected object' }],
    ['a restartCount that is a string', { containerStatuses: [{ name: 'c', restartCount: '<img src=x>' }] }, { field: 'status.containerStatuses[0].restartCount', message: 'Invalid value: "<img src=x>": expected integer' }],
    ['a container status without a name', { containerStatuses: [{ ready: true }] }, { field: 'status.containerStatuses[0].name', message: 'Required value' }],
    ['two states at once', { containerStatuses: [{ name: 'c', state: { running: {}, terminated: { exitCode: 1 } } }] }, { field: 'status.containerStatuses[0].state', message: 'Invalid value: "running, terminated": may not specify more than 1 state' }],
    ['a pod IP that is no IP', { podIP: '<b>' }, { field: 'status.podIP', message: 'Invalid value: "<b>": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)' }],
  ])('refuses %s', (_name, status, expected) => {
    expect(causes(status)).toContainEqual(expect.objectContaining(expected));
  });
});
