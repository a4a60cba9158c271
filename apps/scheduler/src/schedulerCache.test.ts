import { describe, expect, it } from 'vitest';
import { schedulePod } from './framework/schedulePod.js';
import { parsePod } from './framework/podInfo.js';
import { DEFAULT_PROFILE } from './plugins/registry.js';
import { SchedulerCache } from './schedulerCache.js';
import { makeNode, makePod } from './testing/builders.js';

function info(pod: ReturnType<typeof makePod>) {
  const r = parsePod(pod.build());
  if (!r.ok) throw new Error(r.message);
  return r.pod;
}

describe('SchedulerCache', () => {
  it('counts pods on their nodes incrementally, and frees them when they end or go', () => {
    const cache = new SchedulerCache();
    cache.syncNode('n1', makeNode('n1').build());
    const a = makePod('a').cpu('1').node('n1');
    expect(cache.syncPod('default/a', a.build())).toEqual({ freed: false });
    expect(cache.nodeInfo('n1')).toMatchObject({ podCount: 1, requested: { milliCpu: 1000 } });
    // A status update of the same pod changes nothing.
    expect(cache.syncPod('default/a', a.build())).toEqual({ freed: false });
    expect(cache.nodeInfo('n1')).toMatchObject({ podCount: 1, requested: { milliCpu: 1000 } });
    expect(cache.syncPod('default/a', a.phase('Succeeded').build())).toEqual({ freed: true });
    expect(cache.nodeInfo('n1')).toMatchObject({ podCount: 0, requested: { milliCpu: 0 } });
    cache.syncPod('default/b', makePod('b').cpu('2').node('n1').build());
    expect(cache.syncPod('default/b', undefined)).toEqual({ freed: true });
    expect(cache.nodeInfo('n1')).toMatchObject({ podCount: 0, requested: { milliCpu: 0, memory: 0 } });
  });

  it('keeps the usage of pods whose node it has not seen yet', () => {
    const cache = new SchedulerCache();
    cache.syncPod('default/a', makePod('a').cpu('1').node('n1').build());
    expect(cache.nodeInfos()).toEqual([]);
    cache.syncNode('n1', makeNode('n1').build());
    expect(cache.nodeInfos().map((n) => [n.name, n.requested.milliCpu])).toEqual([['n1', 1000]]);
  });

  it('does not overbook in a burst: assumed pods count before the informer shows them', () => {
    const cache = new SchedulerCache();
    cache.syncNode('n1', makeNode('n1').cpu('2').build());
    cache.syncNode('n2', makeNode('n2').cpu('2').build());
    const placed: string[] = [];
    for (let i = 0; i < 5; i++) {
      const pod = makePod(`p${i}`).cpu('1');
      cache.syncPod(`default/p${i}`, pod.build());
      const r = schedulePod(info(pod), cache.nodeInfos(), DEFAULT_PROFILE, i);
      if (r.scheduled) {
        cache.assume(`default/p${i}`, r.nodeName);
        placed.push(r.nodeName);
      } else placed.push(r.message);
    }
    expect(placed.sort()).toEqual(['0/2 nodes are available: 2 Insufficient cpu.', 'n1', 'n1', 'n2', 'n2']);
    // An informer event that still shows the pod unbound keeps the assumption.
    cache.syncPod('default/p0', makePod('p0').cpu('1').build());
    expect(cache.isAssumed('default/p0')).toBe(true);
    expect(cache.nodeInfos().map((n) => n.requested.milliCpu)).toEqual([2000, 2000]);
  });

  it('confirms an assumption when the informer shows the binding, and forgets a failed one', () => {
    const cache = new SchedulerCache();
    cache.syncNode('n1', makeNode('n1').build());
    cache.syncPod('default/a', makePod('a').cpu('1').build());
    cache.assume('default/a', 'n1');
    cache.syncPod('default/a', makePod('a').cpu('1').node('n1').build());
    expect(cache.isAssumed('default/a')).toBe(false);
    expect(cache.nodeInfo('n1')).toMatchObject({ podCount: 1, requested: { milliCpu: 1000 } });

    cache.syncPod('default/b', makePod('b').cpu('1').build());
    cache.assume('default/b', 'n1');
    expect(cache.nodeInfo('n1')).toMatchObject({ podCount: 2 });
    cache.forget('default/b');
    expect(cache.isAssumed('default/b')).toBe(false);
    expect(cache.nodeInfo('n1')).toMatchObject({ podCount: 1, requested: { milliCpu: 1000 } });
  });

  it('drops an assumption when a new pod takes the name', () => {
    const cache = new SchedulerCache();
    cache.syncNode('n1', makeNode('n1').build());
    cache.syncPod('default/a', makePod('a').cpu('1').build());
    cache.assume('default/a', 'n1');
    cache.syncPod('default/a', makePod('a').cpu('1').uid('another').build());
    expect(cache.isAssumed('default/a')).toBe(false);
    expect(cache.nodeInfo('n1')).toMatchObject({ podCount: 0 });
  });

  it('reports node changes that matter to scheduling only', () => {
    const cache = new SchedulerCache();
    expect(cache.syncNode('n1', makeNode('n1').build())).toEqual({ changed: true });
    expect(cache.syncNode('n1', makeNode('n1').build())).toEqual({ changed: false });
    const heartbeat = makeNode('n1').build();
    heartbeat.metadata.resourceVersion = '2';
    (heartbeat.status as Record<string, unknown>).addresses = [{ type: 'InternalIP', address: '127.0.0.1' }];
    expect(cache.syncNode('n1', heartbeat)).toEqual({ changed: false });
    expect(cache.syncNode('n1', makeNode('n1').cpu('8').build())).toEqual({ changed: true });
    expect(cache.syncNode('n1', makeNode('n1').cpu('8').taint({ key: 'k', effect: 'NoSchedule' }).build())).toEqual({ changed: true });
    expect(cache.syncNode('n1', undefined)).toEqual({ changed: true });
    expect(cache.nodeInfos()).toEqual([]);
  });

  it('tracks unschedulable pods until they are bound or gone', () => {
    const cache = new SchedulerCache();
    cache.syncPod('default/a', makePod('a').build());
    cache.syncPod('default/b', makePod('b').build());
    cache.markUnschedulable('default/a');
    cache.markUnschedulable('default/b');
    cache.syncPod('default/a', makePod('a').node('n1').build());
    cache.syncPod('default/b', undefined);
    expect(cache.unschedulableKeys()).toEqual([]);
  });
});
