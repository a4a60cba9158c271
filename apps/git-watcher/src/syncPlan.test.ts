import type { KubeObject } from '@skiff/apimachinery';
import { describe, expect, it } from 'vitest';
import type { HealthStatus, ResourceResult } from './applicationSpec.js';
import { desiredObjects, type DesiredObject } from './desiredObjects.js';
import { hookOutcome, nextSyncAction, syncTasks, type SyncAction, type SyncTask, type TaskObservation } from './syncPlan.js';

const APP = { namespace: 'default', name: 'shop' };

/** `obj('Job', 'migrate-', { hook: 'PreSync' })`: a generateName manifest when the name ends with '-'. */
function obj(kind: string, name: string, annotations: Record<string, string> = {}): KubeObject {
  const apiVersion = kind === 'Job' ? 'batch/v1' : kind === 'Deployment' ? 'apps/v1' : 'v1';
  return { apiVersion, kind, metadata: name.endsWith('-') ? { generateName: name, annotations } : { name, annotations } };
}

function desired(...objects: KubeObject[]): DesiredObject[] {
  const r = desiredObjects(APP, 'shop', objects.map((object, i) => ({ object, file: 'all.yaml', line: i + 1 })), 'a'.repeat(40));
  if (!r.ok) throw new Error('bad fixture');
  return r.objects;
}

const hook = (phase: string, policy?: string) => ({ 'argocd.argoproj.io/hook': phase, ...(policy ? { 'argocd.argoproj.io/hook-delete-policy': policy } : {}) });
const wave = (n: number) => ({ 'argocd.argoproj.io/sync-wave': String(n) });
const label = (t: SyncTask) => `${t.phase}/${t.wave} ${t.desired.object.kind} ${t.desired.object.metadata.name ?? t.desired.object.metadata.generateName}${t.hook ? ' hook' : ''}`;
const describeAction = (a: SyncAction): string =>
  a.type === 'apply' ? `apply ${a.phase}/${a.wave} [${a.tasks.map((t) => t.desired.object.metadata.name ?? t.desired.object.metadata.generateName).join(', ')}]${a.prune ? ' +prune' : ''}`
  : a.type === 'record' ? `record ${a.results.map((r) => `${r.name}=${r.hookPhase}`).join(', ')}`
  : a.type === 'deleteHooks' ? `delete ${a.hooks.map((h) => h.live.metadata.name).join(', ')}`
  : a.type === 'wait' ? 'wait'
  : `finish ${a.phase}: ${a.message}${a.prune ? ' +prune' : ''}`;

/** A result as the executor records it after applying or creating `t` (`name` for a generated hook). */
function started(t: SyncTask, fields: Partial<ResourceResult> = {}, name?: string): ResourceResult {
  const o = t.desired.object;
  return {
    group: o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '',
    version: o.apiVersion.split('/').pop()!,
    kind: o.kind,
    namespace: o.metadata.namespace,
    name: name ?? o.metadata.name!,
    syncPhase: t.phase,
    syncWave: t.wave,
    ...(t.hook ? { hookType: t.phase, hookPhase: 'Running' as const } : { status: 'Synced' as const, hookPhase: 'Running' as const }),
    ...fields,
  };
}

const job = (name: string, condition?: 'Complete' | 'Failed', extra: Partial<KubeObject['metadata']> = {}): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: { name, namespace: 'shop', ...extra },
  status: condition ? { conditions: [{ type: condition, status: 'True', message: condition === 'Failed' ? 'Job has reached the specified backoff limit' : undefined }] } : {},
});

describe('syncTasks', () => {
  it('orders hooks by phase and everything by wave; a PreSync,PostSync hook is two tasks; Skip is neither', () => {
    const { tasks, skipped } = syncTasks(
      desired(
        obj('Job', 'smoke', hook('PostSync')),
        obj('Deployment', 'web', wave(1)),
        obj('ConfigMap', 'settings'),
        obj('Job', 'migrate-', { ...hook('PreSync'), ...wave(-1) }),
        obj('Job', 'twice', hook('PreSync,PostSync')),
        obj('ConfigMap', 'skipped', hook('Skip')),
        obj('Job', 'cleanup-', hook('SyncFail')),
      ),
    );
    expect(tasks.map(label)).toEqual([
      'PreSync/-1 Job migrate- hook',
      'PreSync/0 Job twice hook',
      'Sync/0 ConfigMap settings',
      'Sync/1 Deployment web',
      'PostSync/0 Job smoke hook',
      'PostSync/0 Job twice hook',
      'SyncFail/0 Job cleanup- hook',
    ]);
    expect(skipped.map((d) => d.object.metadata.name)).toEqual(['skipped']);
  });
});

describe('nextSyncAction', () => {
  const { tasks } = syncTasks(desired(obj('Job', 'migrate-', hook('PreSync', 'HookSucceeded')), obj('ConfigMap', 'settings'), obj('Deployment', 'web', wave(1)), obj('Job', 'smoke', hook('PostSync')), obj('Job', 'cleanup-', hook('SyncFail'))));
  const [migrate, settings, web, smoke, cleanup] = tasks;
  const healthy: HealthStatus = { status: 'Healthy' };
  const see = (m: Map<SyncTask, TaskObservation>) => (t: SyncTask) => m.get(t) ?? {};

  it.each<[string, ResourceResult[], Map<SyncTask, TaskObservation>, string]>([
    ['nothing started: the PreSync hooks', [], new Map(), 'apply PreSync/0 [migrate-]'],
    ['the PreSync hook running', [started(migrate, {}, 'migrate-abcde')], new Map([[migrate, { live: job('migrate-abcde') }]]), 'wait'],
    ['the PreSync hook Complete: recorded', [started(migrate, {}, 'migrate-abcde')], new Map([[migrate, { live: job('migrate-abcde', 'Complete') }]]), 'record migrate-abcde=Succeeded'],
    ['a Succeeded hook with HookSucceeded still there: deleted first', [started(migrate, { hookPhase: 'Succeeded' }, 'migrate-abcde')], new Map([[migrate, { live: job('migrate-abcde', 'Complete') }]]), 'delete migrate-abcde'],
    ['the PreSync hook done and gone: wave 0', [started(migrate, { hookPhase: 'Succeeded' }, 'migrate-abcde')], new Map([[migrate, { live: null }]]), 'apply Sync/0 [settings]'],
    ['wave 0 applied, not yet healthy', [started(migrate, { hookPhase: 'Succeeded' }, 'migrate-abcde'), started(settings)], new Map([[settings, { live: obj('ConfigMap', 'settings'), health: { status: 'Progressing' } }]]), 'wait'],
    ['wave 0 healthy: recorded', [started(migrate, { hookPhase: 'Succeeded' }, 'migrate-abcde'), started(settings)], new Map([[settings, { live: obj('ConfigMap', 'settings'), health: healthy }]]), 'record settings=Succeeded'],
    ['wave 1 is the last Sync step: it prunes', [started(migrate, { hookPhase: 'Succeeded' }, 'migrate-abcde'), started(settings, { hookPhase: 'Succeeded' })], new Map(), 'apply Sync/1 [web] +prune'],
    ['wave 1 Degraded: recorded as failed', [started(migrate, { hookPhase: 'Succeeded' }, 'migrate-abcde'), started(settings, { hookPhase: 'Succeeded' }), started(web)], new Map([[web, { health: { status: 'Degraded', message: 'crash loop' } }]]), 'record web=Failed'],
    ['all Sync done: PostSync', [started(migrate, { hookPhase: 'Succeeded' }, 'migrate-abcde'), started(settings, { hookPhase: 'Succeeded' }), started(web, { hookPhase: 'Succeeded' })], new Map(), 'apply PostSync/0 [smoke]'],
    [
      'everything done: Succeeded',
      [started(migrate, { hookPhase: 'Succeeded' }, 'migrate-abcde'), started(settings, { hookPhase: 'Succeeded' }), started(web, { hookPhase: 'Succeeded' }), started(smoke, { hookPhase: 'Succeeded' })],
      new Map([[smoke, { live: job('smoke', 'Complete') }]]),
      'finish Succeeded: successfully synced (all 2 objects applied, 2 hooks run)',
    ],
    ['a failed PreSync hook: the SyncFail hooks, no Sync wave', [started(migrate, { hookPhase: 'Failed', message: 'Job has reached the specified backoff limit' }, 'migrate-abcde')], new Map([[migrate, { live: null }]]), 'apply SyncFail/0 [cleanup-]'],
    [
      'SyncFail done: Failed, naming the hook',
      [started(migrate, { hookPhase: 'Failed', message: 'Job has reached the specified backoff limit' }, 'migrate-abcde'), started(cleanup, { hookPhase: 'Succeeded' }, 'cleanup-xyz12')],
      new Map(),
      'finish Failed: PreSync hook Job shop/migrate-abcde failed: Job has reached the specified backoff limit',
    ],
    ['a running hook deleted by someone fails', [started(migrate, {}, 'migrate-abcde')], new Map([[migrate, { live: null }]]), 'record migrate-abcde=Failed'],
  ])('%s -> %s', (_name, results, observed, expected) => {
    expect(describeAction(nextSyncAction(tasks, results, see(observed)))).toBe(expected);
  });

  it('one step only (no hooks, one wave): applies and prunes, then finishes without waiting for health', () => {
    const plain = syncTasks(desired(obj('ConfigMap', 'a'), obj('Deployment', 'web'))).tasks;
    const first = nextSyncAction(plain, [], () => ({}));
    expect(describeAction(first)).toBe('apply Sync/0 [a, web] +prune');
    expect(first.type === 'apply' && first.multiStep).toBe(false);
    const results = plain.map((t) => started(t, { hookPhase: 'Succeeded' }));
    expect(describeAction(nextSyncAction(plain, results, () => ({})))).toBe('finish Succeeded: successfully synced (all 2 objects applied)');
  });

  it('PruneLast: pruning waits for the first PostSync step, or the end', () => {
    const done = [started(migrate, { hookPhase: 'Succeeded' }, 'migrate-abcde'), started(settings, { hookPhase: 'Succeeded' })];
    expect(describeAction(nextSyncAction(tasks, done, () => ({}), { pruneLast: true }))).toBe('apply Sync/1 [web]');
    expect(describeAction(nextSyncAction(tasks, [...done, started(web, { hookPhase: 'Succeeded' })], () => ({}), { pruneLast: true }))).toBe('apply PostSync/0 [smoke] +prune');
    const noPost = syncTasks(desired(obj('ConfigMap', 'a'))).tasks;
    expect(describeAction(nextSyncAction(noPost, [started(noPost[0], { hookPhase: 'Succeeded' })], () => ({}), { pruneLast: true }))).toBe('finish Succeeded: successfully synced (all 1 objects applied) +prune');
  });
});

describe('hookOutcome', () => {
  it.each<[string, KubeObject, string]>([
    ['a running Job', job('j'), 'Running'],
    ['a Complete Job', job('j', 'Complete'), 'Succeeded'],
    ['a Failed Job', job('j', 'Failed'), 'Failed'],
    ['a Pod that succeeded', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, status: { phase: 'Succeeded' } }, 'Succeeded'],
    ['a Pod that failed', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, status: { phase: 'Failed' } }, 'Failed'],
    ['a Pod still running', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, status: { phase: 'Running' } }, 'Running'],
    ['a ConfigMap (healthy once it exists)', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } }, 'Succeeded'],
  ])('%s: %s', (_name, live, phase) => {
    expect(hookOutcome(live).phase).toBe(phase);
  });
});
