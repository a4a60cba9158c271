import type { KubeObject } from '@skiff/apimachinery';
import { describe, expect, it } from 'vitest';
import { planApplications } from './planApplications.js';

const app = (name: string, path = 'a'): KubeObject => ({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name }, spec: { source: { path } } });
const differs = (d: KubeObject, l: KubeObject) => JSON.stringify(d.spec) !== JSON.stringify(l.spec);
const names = (xs: KubeObject[]) => xs.map((x) => x.metadata.name);

describe('planApplications', () => {
  const desired = [app('keep'), app('changed', 'new'), app('new')];
  const owned = [app('keep'), app('changed', 'old'), app('gone')];
  it.each([
    { policy: 'sync' as const, create: ['new'], update: ['changed'], delete: ['gone'] },
    { policy: 'create-only' as const, create: ['new'], update: [], delete: [] },
    { policy: 'create-update' as const, create: ['new'], update: ['changed'], delete: [] },
    { policy: 'create-delete' as const, create: ['new'], update: [], delete: ['gone'] },
  ])('$policy', ({ policy, ...want }) => {
    const plan = planApplications(desired, owned, policy, differs);
    expect({ create: names(plan.create), update: names(plan.update), delete: names(plan.delete) }).toEqual(want);
  });

  it('a second pass over what the first made changes nothing', () => {
    const plan = planApplications(desired, desired, 'sync', differs);
    expect(plan).toEqual({ create: [], update: [], delete: [] });
  });
});
