import type { KubeObject } from '@skiff/apimachinery';
import { assessHealth, hookDeletePolicies, hookTypes, jobHealth, syncOrder, syncWave, type HookDeletePolicy } from '@skiff/gitops';
import type { HealthStatus, HookPhase, ResourceResult, SyncPhase } from './applicationSpec.js';
import type { DesiredObject } from './desiredObjects.js';
import { groupOf, isGenerated } from './tracking.js';

/** One thing a sync operation does with one manifest: apply it in a wave, or run it as a hook of a phase. */
export interface SyncTask {
  phase: SyncPhase;
  wave: number;
  hook: boolean;
  deletePolicies: HookDeletePolicy[];
  desired: DesiredObject;
}

/** What the executor saw of a task this pass: its live object (`null`: not there) and, for resources, its health. */
export interface TaskObservation {
  live?: KubeObject | null;
  health?: HealthStatus;
}

export type SyncAction =
  /** Apply the resources and create the hooks of one step that have no result yet; prune with it when `prune`; with one step only, nothing waits for health. */
  | { type: 'apply'; phase: SyncPhase; wave: number; tasks: SyncTask[]; prune: boolean; multiStep: boolean }
  /** Write what was observed (hooks finished, resources healthy or degraded). */
  | { type: 'record'; results: ResourceResult[] }
  /** Delete finished hooks their delete policy asks to remove. */
  | { type: 'deleteHooks'; hooks: { task: SyncTask; live: KubeObject }[] }
  | { type: 'wait'; message: string }
  | { type: 'finish'; phase: 'Succeeded' | 'Failed'; message: string; prune: boolean };

const PHASE_ORDER: Record<SyncPhase, number> = { PreSync: 0, Sync: 1, PostSync: 2, SyncFail: 3 };

/**
 * The tasks of a revision: an ordinary object is one Sync task in its wave; a hook is one task per
 * phase it names (`PreSync,PostSync` runs twice); `Skip` objects are neither applied nor compared.
 * Tasks come in sync order (phase, wave, kind, name).
 */
export function syncTasks(objects: readonly DesiredObject[]): { tasks: SyncTask[]; skipped: DesiredObject[] } {
  const tasks: SyncTask[] = [];
  const skipped: DesiredObject[] = [];
  const byObject = new Map(objects.map((d) => [d.object, d]));
  for (const object of syncOrder(objects.map((d) => d.object))) {
    const desired = byObject.get(object)!;
    const types = hookTypes(object);
    if (types.includes('Skip')) {
      skipped.push(desired);
      continue;
    }
    const wave = syncWave(object);
    if (!types.length) tasks.push({ phase: 'Sync', wave, hook: false, deletePolicies: [], desired });
    for (const phase of types as SyncPhase[]) tasks.push({ phase, wave, hook: true, deletePolicies: hookDeletePolicies(object), desired });
  }
  return { tasks: tasks.sort((a, b) => PHASE_ORDER[a.phase] - PHASE_ORDER[b.phase] || a.wave - b.wave), skipped };
}

/** The result a task left in the operation's state, if any. */
export function resultOf(task: SyncTask, results: readonly ResourceResult[]): ResourceResult | undefined {
  const o = task.desired.object;
  return results.find(
    (r) =>
      r.syncPhase === task.phase &&
      (task.hook ? r.hookType === task.phase : r.hookType === undefined) &&
      r.status !== 'Pruned' &&
      r.status !== 'PruneSkipped' &&
      r.group === groupOf(o.apiVersion) &&
      r.kind === o.kind &&
      (r.namespace ?? '') === (o.metadata.namespace ?? '') &&
      (isGenerated(o) ? r.name.startsWith(o.metadata.generateName!) && r.name.length === o.metadata.generateName!.length + 5 : r.name === o.metadata.name),
  );
}

/** How a hook's live object is doing: a Job by its conditions, a Pod by its phase, anything else by its health. */
export function hookOutcome(live: KubeObject): { phase: HookPhase; message?: string } {
  if (live.kind === 'Job') {
    const h = jobHealth(live);
    return h.status === 'Healthy' ? { phase: 'Succeeded', message: h.message } : h.status === 'Degraded' ? { phase: 'Failed', message: h.message } : { phase: 'Running', message: h.message };
  }
  if (live.kind === 'Pod') {
    const status = (live.status ?? {}) as { phase?: string; message?: string; reason?: string };
    if (status.phase === 'Succeeded') return { phase: 'Succeeded', message: 'Pod completed' };
    if (status.phase === 'Failed') return { phase: 'Failed', message: status.message || status.reason || 'Pod failed' };
    return { phase: 'Running', message: `Pod is ${status.phase ?? 'Pending'}` };
  }
  const h = assessHealth(live);
  return h.status === 'Healthy' ? { phase: 'Succeeded' } : h.status === 'Degraded' ? { phase: 'Failed', message: h.message } : { phase: 'Running', message: h.message };
}

const done = (p?: HookPhase) => p === 'Succeeded' || p === 'Failed' || p === 'Error';

/**
 * The one next step of a sync operation, from its tasks, the results recorded so far and what the
 * executor sees now. Argo CD's order: PreSync hooks, then the Sync phase wave by wave, then PostSync
 * hooks, each phase in its waves; a step's hooks must finish and, when the sync has more than one
 * step, its resources be Healthy before the next step starts (a Degraded one fails the sync). A
 * failed hook or apply ends the normal phases: SyncFail hooks run, then the operation is Failed.
 * Pruning rides with the last Sync step (with PruneLast, once every wave is done).
 *
 * Example: PreSync Job (wave 0), ConfigMap (wave 0), Deployment (wave 1), PostSync Job ->
 * apply[PreSync/0: Job] -> wait -> record Job Succeeded -> apply[Sync/0: ConfigMap] -> record
 * ConfigMap healthy -> apply[Sync/1: Deployment, prune] -> ... -> apply[PostSync/0] -> ... -> finish.
 */
export function nextSyncAction(
  tasks: readonly SyncTask[],
  results: readonly ResourceResult[],
  observe: (task: SyncTask) => TaskObservation,
  opts: { pruneLast?: boolean } = {},
): SyncAction {
  const resultFor = (t: SyncTask) => resultOf(t, results);

  // Finished hooks go first, whatever the phase: their delete policy says whether they stay.
  const toDelete = tasks.flatMap((task) => {
    const r = resultFor(task);
    const live = task.hook && r && done(r.hookPhase) ? observe(task).live : undefined;
    if (!live || live.metadata.deletionTimestamp) return [];
    const wanted = r!.hookPhase === 'Succeeded' ? task.deletePolicies.includes('HookSucceeded') : task.deletePolicies.includes('HookFailed');
    return wanted ? [{ task, live }] : [];
  });
  if (toDelete.length) return { type: 'deleteHooks', hooks: toDelete };

  const failed = tasks.filter((t) => t.phase !== 'SyncFail').flatMap((t) => {
    const r = resultFor(t);
    return r && (r.status === 'SyncFailed' || r.hookPhase === 'Failed' || r.hookPhase === 'Error') ? [{ t, r }] : [];
  });
  const normal = tasks.filter((t) => t.phase !== 'SyncFail');
  const normalSteps = stepsOf(normal);
  const steps = failed.length ? stepsOf(tasks.filter((t) => t.phase === 'SyncFail')) : normalSteps;
  const multiStep = normalSteps.length > 1;
  const lastSync = normalSteps.filter((s) => s.phase === 'Sync').at(-1);
  const pruneStep = !opts.pruneLast && lastSync ? lastSync : normalSteps.find((s) => s.phase === 'PostSync');
  const pruneWith = (s: Step) => !failed.length && !!pruneStep && s.phase === pruneStep.phase && s.wave === pruneStep.wave;

  for (const step of steps) {
    const unstarted = step.tasks.filter((t) => !resultFor(t));
    if (unstarted.length) return { type: 'apply', phase: step.phase, wave: step.wave, tasks: unstarted, prune: pruneWith(step), multiStep };
    const updates: ResourceResult[] = [];
    let running = 0;
    for (const t of step.tasks) {
      const r = resultFor(t)!;
      if (r.status === 'SyncFailed' || done(r.hookPhase)) continue;
      const seen = observe(t);
      if (t.hook) {
        if (seen.live === null) updates.push({ ...r, hookPhase: 'Failed', message: 'the hook was deleted before it finished' });
        else if (seen.live) {
          const o = hookOutcome(seen.live);
          if (o.phase !== 'Running') updates.push({ ...r, hookPhase: o.phase, message: o.message ?? r.message });
          else running++;
        } else running++;
      } else if (!multiStep) {
        updates.push({ ...r, hookPhase: 'Succeeded' });
      } else {
        const h = seen.health?.status;
        if (h === 'Healthy') updates.push({ ...r, hookPhase: 'Succeeded', message: r.message });
        else if (h === 'Degraded') updates.push({ ...r, hookPhase: 'Failed', message: seen.health?.message ?? 'Degraded' });
        else running++;
      }
    }
    if (updates.length) return { type: 'record', results: updates };
    if (running) return { type: 'wait', message: `waiting for ${step.phase} wave ${step.wave}: ${running} of ${step.tasks.length} not done` };
  }

  if (failed.length) {
    const message = failed.map(({ t, r }) => `${describeTask(t, r)} failed: ${r.message ?? 'failed'}`).join('; ');
    const syncFail = tasks.filter((t) => t.phase === 'SyncFail').flatMap((t) => {
      const r = resultFor(t);
      return r && r.hookPhase !== 'Succeeded' ? [`${describeTask(t, r)} failed: ${r.message ?? 'failed'}`] : [];
    });
    return { type: 'finish', phase: 'Failed', message: [message, ...syncFail].join('; '), prune: false };
  }
  const resources = normal.filter((t) => !t.hook).length;
  const hooks = normal.filter((t) => t.hook).length;
  return {
    type: 'finish',
    phase: 'Succeeded',
    message: `successfully synced (all ${resources} objects applied${hooks ? `, ${hooks} hook${hooks === 1 ? '' : 's'} run` : ''})`,
    prune: !pruneStep,
  };
}

interface Step {
  phase: SyncPhase;
  wave: number;
  tasks: SyncTask[];
}

function stepsOf(tasks: readonly SyncTask[]): Step[] {
  const steps: Step[] = [];
  for (const t of tasks) {
    const last = steps.at(-1);
    if (last && last.phase === t.phase && last.wave === t.wave) last.tasks.push(t);
    else steps.push({ phase: t.phase, wave: t.wave, tasks: [t] });
  }
  return steps;
}

/** `PreSync hook Job shop/migrate-x7k2p`, `Deployment shop/web` (wave 1). */
export function describeTask(t: SyncTask, r?: ResourceResult): string {
  const o = t.desired.object;
  const name = r?.name ?? o.metadata.name ?? `${o.metadata.generateName}*`;
  const ns = o.metadata.namespace ? `${o.metadata.namespace}/` : '';
  return t.hook ? `${t.phase} hook ${o.kind} ${ns}${name}` : `${o.kind} ${ns}${name}`;
}
