import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import type { NodeCondition } from './nodeHealth.js';
import { unknownNodeConditions } from './unknownNodeConditions.js';

const T = '2024-01-01T12:00:00Z';
const HB = '2024-01-01T11:59:00Z';
function node(conditions: NodeCondition[]): KubeObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, status: { conditions } };
}

describe('unknownNodeConditions', () => {
  it.each<[string, NodeCondition[], NodeCondition[] | undefined]>([
    [
      'Ready and a pressure condition turn Unknown, keeping their heartbeat',
      [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: HB, lastTransitionTime: HB }, { type: 'MemoryPressure', status: 'False', lastHeartbeatTime: HB }],
      [
        { type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: HB, lastTransitionTime: T },
        { type: 'MemoryPressure', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastHeartbeatTime: HB, lastTransitionTime: T },
      ],
    ],
    ['already Unknown: nothing to write', [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', lastTransitionTime: HB }], undefined],
    ['never posted', [], [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.', lastHeartbeatTime: T, lastTransitionTime: T }]],
    ['other conditions are left as they are', [{ type: 'Ready', status: 'Unknown' }, { type: 'NetworkUnavailable', status: 'False' }], undefined],
  ])('%s', (_what, conditions, expected) => {
    expect(unknownNodeConditions(node(conditions), T)).toEqual(expected);
  });
});
