import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { podsToEvict } from './podsToEvict.js';
import type { Taint, Toleration } from './tolerations.js';

const ADDED = '2024-01-01T12:00:00Z';
const SINCE = Date.parse(ADDED);
const unreachable: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: ADDED };
const noSchedule: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: ADDED };
const custom: Taint = { key: 'maintenance', effect: 'NoExecute', timeAdded: ADDED };

/** `makePod('a').tolerate({...}).build()` */
function makePod(name: string) {
  const tolerations: Toleration[] = [];
  const b = {
    tolerate(t: Toleration) {
      tolerations.push(t);
      return b;
    },
    build: (): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: 'n', tolerations } }),
  };
  return b;
}

const at = (s: number) => new Date(SINCE + s * 1000);

describe('podsToEvict (default toleration 300 s)', () => {
  it.each<[string, KubeObject, Taint[], Date, { evicted: boolean; nextInMs?: number }]>([
    ['no toleration, before the default', makePod('a').build(), [unreachable, noSchedule], at(299), { evicted: false, nextInMs: 1000 }],
    ['no toleration, at the default', makePod('a').build(), [unreachable], at(300), { evicted: true }],
    ['tolerates for 60 s, at 59 s', makePod('a').tolerate({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }).build(), [unreachable], at(59), { evicted: false, nextInMs: 1000 }],
    ['tolerates for 60 s, at 60 s', makePod('a').tolerate({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 60 }).build(), [unreachable], at(60), { evicted: true }],
    ['tolerates forever', makePod('a').tolerate({ operator: 'Exists' }).build(), [unreachable], at(10_000), { evicted: false }],
    ['the shortest matching tolerationSeconds wins', makePod('a').tolerate({ operator: 'Exists', tolerationSeconds: 600 }).tolerate({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', tolerationSeconds: 10 }).build(), [unreachable], at(10), { evicted: true }],
    ['a toleration for another key does not count', makePod('a').tolerate({ key: 'other', operator: 'Exists' }).build(), [unreachable], at(300), { evicted: true }],
    ['an untolerated custom NoExecute taint evicts at once', makePod('a').build(), [custom], at(0), { evicted: true }],
    ['only NoSchedule: nothing to evict', makePod('a').build(), [noSchedule], at(10_000), { evicted: false }],
  ])('%s', (_what, pod, taints, now, expected) => {
    const plan = podsToEvict([pod], taints, SINCE, now, 300_000);
    expect({ evicted: plan.evict.length === 1, ...(plan.nextInMs !== undefined ? { nextInMs: plan.nextInMs } : {}) }).toEqual(expected);
  });

  it('measures from the Ready transition when the taint has no timeAdded', () => {
    const plan = podsToEvict([makePod('a').build()], [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }], SINCE, at(300), 300_000);
    expect(plan.evict).toHaveLength(1);
  });
});
