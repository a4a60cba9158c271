import { NotFoundError, type KubeObject } from '@skiff/apimachinery';
import type { ReconcileContext } from '@skiff/controller-runtime';
import { resourceSyncOptions } from '@skiff/gitops';
import type { HealthStatus, ResourceResult } from './applicationSpec.js';
import type { DesiredObject } from './desiredObjects.js';
import { hookOutcome, nextSyncAction, resultOf, type SyncAction, type SyncTask, type TaskObservation } from './syncPlan.js';
import { APP_LABEL, groupOf, isGenerated, objectKey, TRACKING_ID, type AppRef } from './tracking.js';

/** On every hook object: the sync operation that created it, so a pass cut off after a create adopts it instead of running the hook twice. */
export const OPERATION_ANNOTATION = 'skiff.dev/sync-operation';
/** On every hook object: the phase it runs in (one manifest may be a PreSync and a PostSync hook). */
export const HOOK_PHASE_ANNOTATION = 'skiff.dev/hook-phase';

/** What the step needs from the controller: its I/O helpers, so they stay where they are. */
export interface SyncStepDeps {
  ctx: ReconcileContext;
  app: AppRef;
  /** Identifies this attempt of the operation (revision, start, retry). */
  operationId: string;
  apply(d: DesiredObject, opts: { replace: boolean }): Promise<KubeObject>;
  waitForEstablished(crd: string): Promise<void>;
  prune(): Promise<void>;
  healthOf(obj: KubeObject): HealthStatus;
  pruneLast: boolean;
  /** The Application's own sync options, under each object's annotation. */
  replaceAll: boolean;
}

/**
 * Runs one step of the sync operation whose results are `results` (changed in place): observes the
 * tasks that have started, asks the plan for the next action, and does it. Returns the action, so the
 * controller can finish the operation (history, events) or requeue while it waits.
 */
export async function runSyncStep(tasks: readonly SyncTask[], results: ResourceResult[], deps: SyncStepDeps): Promise<SyncAction> {
  const observed = await observe(tasks, results, deps);
  const action = nextSyncAction(tasks, results, (t) => observed.get(t) ?? {}, { pruneLast: deps.pruneLast });
  const { ctx } = deps;
  switch (action.type) {
    case 'apply': {
      for (const task of action.tasks) {
        const result = task.hook ? await runHook(task, deps) : await applyResource(task, action.multiStep, deps);
        if (result) results.push(result);
      }
      if (action.prune) await deps.prune();
      ctx.log.info({ phase: action.phase, wave: action.wave, objects: action.tasks.length }, 'sync step applied');
      break;
    }
    case 'record':
      for (const r of action.results) {
        const i = results.findIndex((x) => sameResult(x, r));
        if (i >= 0) results[i] = r;
        if (r.hookType) ctx.log.info({ hook: `${r.kind} ${r.namespace ?? ''}/${r.name}`, phase: r.hookPhase }, 'hook finished');
      }
      break;
    case 'deleteHooks':
      for (const { task, live } of action.hooks) {
        await deleteObject(deps, task.desired, live, 'Background');
        ctx.log.info({ hook: objectKey(live) }, 'hook deleted by its delete policy');
      }
      break;
    case 'finish':
      if (action.prune) await deps.prune();
      break;
    case 'wait':
      break;
  }
  return action;
}

async function observe(tasks: readonly SyncTask[], results: readonly ResourceResult[], deps: SyncStepDeps): Promise<Map<SyncTask, TaskObservation>> {
  const out = new Map<SyncTask, TaskObservation>();
  await Promise.all(
    tasks.map(async (task) => {
      const r = resultOf(task, results);
      if (!r || r.status === 'SyncFailed') return;
      // Finished resources need no look; finished hooks do, for their delete policy.
      if (!task.hook && r.hookPhase && r.hookPhase !== 'Running') return;
      const live = await getByName(deps, task.desired, r.name);
      // A name reused by another object (recreated by hand) is not this hook.
      const same = live && (!r.uid || live.metadata.uid === r.uid) ? live : null;
      out.set(task, { live: same, ...(same && !task.hook ? { health: deps.healthOf(same) } : {}) });
    }),
  );
  return out;
}

function resultFor(task: SyncTask, obj: KubeObject, fields: Partial<ResourceResult>): ResourceResult {
  const o = task.desired.object;
  return {
    group: groupOf(o.apiVersion),
    version: o.apiVersion.split('/').pop()!,
    kind: o.kind,
    ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
    name: obj.metadata.name ?? o.metadata.name ?? '',
    syncPhase: task.phase,
    syncWave: task.wave,
    ...(obj.metadata.uid ? { uid: obj.metadata.uid } : {}),
    ...fields,
  };
}

async function applyResource(task: SyncTask, multiStep: boolean, deps: SyncStepDeps): Promise<ResourceResult> {
  const d = task.desired;
  try {
    if (d.definedBy) await deps.waitForEstablished(d.definedBy);
    const live = await deps.apply(d, { replace: deps.replaceAll || resourceSyncOptions(d.object).get('Replace') === 'true' });
    return resultFor(task, live, { status: 'Synced', message: 'applied', hookPhase: multiStep ? 'Running' : 'Succeeded' });
  } catch (err) {
    return resultFor(task, d.object, { status: 'SyncFailed', message: (err as Error).message, hookPhase: 'Failed' });
  }
}

/**
 * Starts a hook: adopts the one this operation already made (a pass cut off after the create),
 * otherwise removes earlier runs when BeforeHookCreation asks for it, then creates it. A named hook
 * whose earlier run is still being deleted is retried on a later pass (no result yet).
 */
async function runHook(task: SyncTask, deps: SyncStepDeps): Promise<ResourceResult | undefined> {
  const d = task.desired;
  const mine = (o: KubeObject) => o.metadata.annotations?.[OPERATION_ANNOTATION] === deps.operationId && o.metadata.annotations?.[HOOK_PHASE_ANNOTATION] === task.phase;
  const earlier = await earlierRuns(task, deps);
  const adopted = earlier.find(mine);
  if (adopted) return resultFor(task, adopted, { hookType: task.phase, hookPhase: 'Running', message: 'running' });
  const before = task.deletePolicies.includes('BeforeHookCreation');
  if (before) for (const old of earlier) await deleteObject(deps, d, old, 'Background');
  if (!isGenerated(d.object) && earlier.length && before) return undefined;
  const hook: DesiredObject = { ...d, object: structuredClone(d.object) };
  hook.object.metadata.annotations = { ...hook.object.metadata.annotations, [OPERATION_ANNOTATION]: deps.operationId, [HOOK_PHASE_ANNOTATION]: task.phase };
  try {
    const live = await deps.apply(hook, { replace: false });
    deps.ctx.log.info({ hook: objectKey(live), phase: task.phase }, 'hook started');
    const outcome = hookOutcome(live);
    return resultFor(task, live, { hookType: task.phase, hookPhase: 'Running', message: outcome.message ?? 'running' });
  } catch (err) {
    return resultFor(task, d.object, { hookType: task.phase, hookPhase: 'Failed', message: (err as Error).message });
  }
}

/** Live objects this hook manifest made before (any operation), not yet being deleted. */
async function earlierRuns(task: SyncTask, deps: SyncStepDeps): Promise<KubeObject[]> {
  const d = task.desired;
  if (!isGenerated(d.object)) {
    const live = await getByName(deps, d, d.object.metadata.name!);
    return live && !live.metadata.deletionTimestamp ? [live] : [];
  }
  const list = await deps.ctx.client.list(d.type, { namespace: d.object.metadata.namespace, labelSelector: `${APP_LABEL}=${deps.app.name}` });
  return list.items.filter((o) => o.metadata.annotations?.[TRACKING_ID] === d.object.metadata.annotations?.[TRACKING_ID] && !o.metadata.deletionTimestamp);
}

async function getByName(deps: SyncStepDeps, d: DesiredObject, name: string): Promise<KubeObject | null> {
  try {
    return await deps.ctx.client.get(d.type, d.object.metadata.namespace, name);
  } catch (err) {
    if (err instanceof NotFoundError) return null;
    throw err;
  }
}

async function deleteObject(deps: SyncStepDeps, d: DesiredObject, live: KubeObject, propagationPolicy: 'Background'): Promise<void> {
  try {
    await deps.ctx.client.delete(d.type, live.metadata.namespace, live.metadata.name!, { propagationPolicy, preconditions: { uid: live.metadata.uid } });
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
}

function sameResult(a: ResourceResult, b: ResourceResult): boolean {
  return a.syncPhase === b.syncPhase && a.hookType === b.hookType && a.group === b.group && a.kind === b.kind && (a.namespace ?? '') === (b.namespace ?? '') && a.name === b.name && a.status !== 'Pruned';
}
