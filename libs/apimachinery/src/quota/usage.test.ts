import { describe, expect, it } from 'vitest';
import { countedTypeOf } from './usage.js';

describe('which kind a quota name counts', () => {
  it.each([
    ['pods', 'pods'],
    ['requests.cpu', 'pods'],
    ['limits.memory', 'pods'],
    ['requests.nvidia.com/gpu', 'pods'],
    ['count/deployments.apps', 'deployments.apps'],
    ['count/configmaps', 'configmaps'],
    ['services.nodeports', 'services'],
    ['requests.storage', 'persistentvolumeclaims'],
    ['gold.storageclass.storage.k8s.io/requests.storage', 'persistentvolumeclaims'],
  ])('%s -> %s', (name, counted) => {
    const t = countedTypeOf(name)!;
    expect(t.group ? `${t.resource}.${t.group}` : t.resource).toBe(counted);
  });
});
