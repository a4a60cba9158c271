import { describe, expect, it } from 'vitest';
import { desiredNodeTaints } from './nodeTaints.js';
import type { Taint } from './tolerations.js';

const T0 = '2024-01-01T12:00:00Z';
const NOW = '2024-01-01T12:05:00Z';
const unreachable = (effect: Taint['effect'], timeAdded = T0): Taint => ({ key: 'node.kubernetes.io/unreachable', effect, timeAdded });
const notReady = (effect: Taint['effect'], timeAdded = T0): Taint => ({ key: 'node.kubernetes.io/not-ready', effect, timeAdded });
const dedicated: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };

describe('desiredNodeTaints', () => {
  it.each<[string, Taint[], 'True' | 'False' | 'Unknown', Taint[] | undefined, boolean?]>([
    ['Unknown adds unreachable taints', [], 'Unknown', [unreachable('NoSchedule', NOW), unreachable('NoExecute', NOW)]],
    ['Unknown again changes nothing (timeAdded kept)', [unreachable('NoSchedule'), unreachable('NoExecute')], 'Unknown', undefined],
    ['False swaps unreachable for not-ready', [unreachable('NoSchedule'), unreachable('NoExecute')], 'False', [notReady('NoSchedule', NOW), notReady('NoExecute', NOW)]],
    ['True removes ours and keeps others', [dedicated, unreachable('NoSchedule'), unreachable('NoExecute')], 'True', [dedicated]],
    ['True with nothing of ours changes nothing', [dedicated], 'True', undefined],
    ['a missing half is added back', [unreachable('NoExecute')], 'Unknown', [unreachable('NoSchedule', NOW), unreachable('NoExecute')]],
    ['held back from NoExecute: only NoSchedule', [], 'Unknown', [unreachable('NoSchedule', NOW)], false],
    ['held back from NoExecute: an existing one is taken away', [dedicated, unreachable('NoSchedule'), unreachable('NoExecute')], 'Unknown', [dedicated, unreachable('NoSchedule')], false],
    ['held back, already converged', [unreachable('NoSchedule')], 'Unknown', undefined, false],
  ])('%s', (_what, current, ready, expected, noExecute = true) => {
    const next = desiredNodeTaints(current, ready, NOW, noExecute);
    if (expected === undefined) expect(next).toBeUndefined();
    else expect(next).toEqual(expect.arrayContaining(expected));
    if (next) expect(next).toHaveLength(expected!.length);
  });
});
