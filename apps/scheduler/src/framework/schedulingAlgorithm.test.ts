import { describe, expect, it } from 'vitest';
import { DEFAULT_PROFILE } from '../plugins/registry.js';
import { SchedulerCache } from '../schedulerCache.js';
import { makeNode, makePod } from '../testing/builders.js';
import { numFeasibleNodesToFind } from './numFeasibleNodesToFind.js';
import { SchedulingAlgorithm } from './schedulingAlgorithm.js';
import { FITS, type FilterPlugin, type Profile } from './types.js';

/** The default profile behind a first filter that records which nodes each decision looked at. */
function recordingProfile(): { profile: Profile; examined: string[][] } {
  const examined: string[][] = [];
  const Recorder: FilterPlugin = {
    name: 'Recorder',
    filter(_pod, node) {
      examined[examined.length - 1].push(node.name);
      return FITS;
    },
  };
  return { profile: { ...DEFAULT_PROFILE, filters: [Recorder, ...DEFAULT_PROFILE.filters] }, examined };
}

/** 1,000 nodes as plain objects in the scheduler's cache; every 10th one is NotReady. */
function thousandNodeCache(): SchedulerCache {
  const cache = new SchedulerCache();
  for (let i = 0; i < 1000; i++) {
    const name = `node-${String(i).padStart(4, '0')}`;
    const node = makeNode(name);
    cache.syncNode(name, (i % 10 === 9 ? node.notReady() : node).build());
  }
  return cache;
}

describe('SchedulingAlgorithm on 1,000 nodes', () => {
  it('stops filtering once it found numFeasibleNodesToFind feasible nodes', () => {
    const cache = thousandNodeCache();
    const { profile, examined } = recordingProfile();
    const algorithm = new SchedulingAlgorithm(profile);
    examined.push([]);
    const r = algorithm.schedule(makePod('p0').info(), cache.nodeInfos());

    const toFind = numFeasibleNodesToFind(0, 1000);
    expect(toFind).toBe(420);
    expect(r).toMatchObject({ scheduled: true, feasibleNodes: toFind });
    // Every 10th node is NotReady, so finding 420 ready ones takes 466 nodes (46 full tens of which 9 are ready, plus 6).
    expect(r.examinedNodes).toBe(466);
    expect(examined[0]).toHaveLength(466);
    expect(examined[0].filter((name) => Number(name.slice(5)) % 10 !== 9)).toHaveLength(toFind);
    expect(examined[0][0]).toBe('node-0000');
    expect(examined[0]).toContain((r as { nodeName: string }).nodeName);
  });

  it('starts each pod where the previous one stopped, so successive pods spread over the cluster', () => {
    const cache = thousandNodeCache();
    const { profile, examined } = recordingProfile();
    const algorithm = new SchedulingAlgorithm(profile);
    const chosen: string[] = [];
    for (let i = 0; i < 6; i++) {
      examined.push([]);
      const pod = makePod(`p${i}`).cpu('100m');
      cache.syncPod(`default/p${i}`, pod.build());
      const r = algorithm.schedule(pod.info(), cache.nodeInfos());
      if (!r.scheduled) throw new Error(r.message);
      cache.assume(`default/p${i}`, r.nodeName);
      chosen.push(r.nodeName);
    }
    const all = cache.nodeInfos().map((n) => n.name);
    for (let i = 1; i < examined.length; i++) {
      // Each search begins at the node after the last one the previous search looked at.
      const previousLast = all.indexOf(examined[i - 1].at(-1)!);
      expect(examined[i][0]).toBe(all[(previousLast + 1) % all.length]);
    }
    // Three searches of ~467 nodes wrap around: together they looked at every node.
    expect(new Set(examined.slice(0, 3).flat()).size).toBe(1000);
    // Each pod went to a node of its own window, so the six pods sit on six different nodes.
    chosen.forEach((name, i) => expect(examined[i]).toContain(name));
    expect(new Set(chosen).size).toBe(6);
    expect(new Set(chosen.map((name) => Math.floor(all.indexOf(name) / 250))).size).toBeGreaterThan(2);
  });

  it('looks at every node with percentageOfNodesToScore 100', () => {
    const cache = thousandNodeCache();
    const { profile, examined } = recordingProfile();
    examined.push([]);
    const r = new SchedulingAlgorithm(profile, 100).schedule(makePod().info(), cache.nodeInfos());
    expect(r).toMatchObject({ scheduled: true, feasibleNodes: 900, examinedNodes: 1000 });
    expect(examined[0]).toHaveLength(1000);
  });
});
