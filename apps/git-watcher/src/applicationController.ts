import { accountUser, AlreadyExistsError, applyingAccount, createMergePatch, ForbiddenError, CUSTOM_RESOURCE_DEFINITION, deepEqual, InvalidError, isEstablished, NotFoundError, patchSchemaFor, redactCredentials, shape, type KubeObject, type ResourceType } from '@skiff/apimachinery';
import type { ApiDiscovery } from '@skiff/kube-client';
import type { CustomResourceDefinition } from 'kubernetes-types/apiextensions/v1.js';
import type { CacheReader, Controller, ObjectRef, ReconcileContext, ReconcileResult } from '@skiff/controller-runtime';
import { assessHealth, compareOptions, driftedFields, hookTypes, isIgnored, keepIgnoredLive, pruneOrder, resourceSyncOptions, worstHealth, type IgnoreDifference } from '@skiff/gitops';
import { admitApplication, applicationsOfProject, forbiddenObjects } from './admitApplication.js';
import { faceOf, faceOfObject, SKIFF_FACE, type ApplicationFace } from './applicationFace.js';
import { finalizeApplication } from './finalizeApplication.js';
import { manifestsOfSources, sourceSpecs } from './manifestsOfSources.js';
import { localRepoPath, statusOf, type ApplicationStatus, type HealthStatus, type HistoryEntry, type ResourceStatus } from './applicationSpec.js';
import { desiredObjects, namespacesCreatedBy, syncOptions, type DesiredError, type DesiredObject } from './desiredObjects.js';
import type { RepoSources } from './repoSources.js';
import { APP_PROJECTS, DEPLOYMENTS, NAMESPACES, PODS, REPLICASETS, WATCHED_KINDS } from './resources.js';
import { resolveKinds } from './kindResolution.js';
import { listFromCache, managedObjects } from './managedObjects.js';
import { revisionChanges } from './revisionChanges.js';
import { appOf, APP_LABEL, APPLICATION_INDEX, applicationIndex, FIELD_MANAGER, groupOf, isGenerated, objectKey, REVISION, TRACKING_ID, type AppRef } from './tracking.js';
import { mayRetry, retryDelayMs } from './retryBackoff.js';
import { runSyncStep } from './syncOperation.js';
import { syncTasks } from './syncPlan.js';
import { extraneousObjects } from './extraneousObjects.js';
import { ensureDefaultAccount } from './applyingAccount.js';
import { otherOwner, ownerName, SHARED_RESOURCE_WARNING, sharedResources } from './sharedResources.js';
import { ignoredFieldsOrNone, jqError } from './ignoredFieldsOrNone.js';

const HISTORY_LIMIT = 10;
/** While a step waits (a hook running, a wave not yet healthy), a look this often besides the watches that wake it. */
const WAIT_RECHECK_MS = 5_000;
/** Sync steps one pass runs at most when they may run again (no hooks): the rest in the next pass. */
const MAX_STEPS_PER_PASS = 8;

export interface ApplicationControllerOptions {
  sources: RepoSources;
  /** Observes how long each sync of a new revision took, by result (success, failed). */
  syncDuration?: { observe(labels: { result: string }, seconds: number): void };
  /** Called on each status transition worth telling the outside world (status webhooks). */
  onTransition?: (app: KubeObject, transition: Transition) => void;
  /** Finds the resources of kinds this build does not know (custom resources) from the API server. */
  discovery?: ApiDiscovery;
  /** Which Application kind this controller reconciles (skiff.dev by default; argoproj.io). */
  face?: ApplicationFace;
}

/** The notification events status webhooks subscribe to (Webhook spec.events). */
export type TransitionType =
  | 'sync.succeeded'
  | 'sync.failed'
  | 'health.degraded'
  | 'health.healthy'
  | 'rollout.started'
  | 'rollout.completed'
  | 'rollout.failed'
  | 'drift.corrected';

export interface Transition {
  type: TransitionType;
  revision?: string;
  message: string;
  commit?: { message: string; author: string };
  /** e.g. "2/4 updated, 1 available" */
  rolloutProgress?: string;
}

const REASONS: Record<TransitionType, { reason: string; type: 'Normal' | 'Warning' }> = {
  'sync.succeeded': { reason: 'Synced', type: 'Normal' },
  'sync.failed': { reason: 'SyncFailed', type: 'Warning' },
  'health.degraded': { reason: 'HealthDegraded', type: 'Warning' },
  'health.healthy': { reason: 'HealthHealthy', type: 'Normal' },
  'rollout.started': { reason: 'RolloutStarted', type: 'Normal' },
  'rollout.completed': { reason: 'RolloutCompleted', type: 'Normal' },
  'rollout.failed': { reason: 'RolloutFailed', type: 'Warning' },
  'drift.corrected': { reason: 'DriftCorrected', type: 'Normal' },
};

/**
 * Records a transition as a Kubernetes Event on the Application, its details in annotations
 * (`skiff.dev/event` names the webhook event type): the Event in the store is what the webhook
 * worker delivers, so nothing is lost when a process or Redis goes away.
 */
function notify(ctx: ReconcileContext, app: KubeObject, t: Transition, opts: ApplicationControllerOptions): void {
  const { reason, type } = REASONS[t.type];
  const annotations: Record<string, string> = { 'skiff.dev/event': t.type, 'skiff.dev/application': `${app.metadata.namespace}/${app.metadata.name}` };
  if (t.revision) annotations['skiff.dev/revision'] = t.revision;
  if (t.commit) {
    annotations['skiff.dev/commit-message'] = t.commit.message;
    annotations['skiff.dev/commit-author'] = t.commit.author;
  }
  if (t.rolloutProgress) annotations['skiff.dev/rollout-progress'] = t.rolloutProgress;
  void ctx.events.record(app, type, reason, t.message, annotations);
  opts.onTransition?.(app, t);
}

/**
 * The Application controller: each pass reads the Application's revision from git, and
 * - a revision not yet applied (automated sync): validates every object with a server dry run,
 *   applies all of them in sync order only if all are valid (else a ComparisonError naming file,
 *   line and field, and the live state stays on the last good revision), then prunes;
 * - the same revision: compares the live objects with git, and with selfHeal puts back what
 *   differs (an Event DriftCorrected says what), with prune removes what left git;
 * then reports sync, health, resources and history. Server-side apply with one field manager
 * makes every apply idempotent: a pass cut off by a crash and run again applies nothing twice.
 */
export function applicationController(opts: ApplicationControllerOptions): Controller {
  const face = opts.face ?? SKIFF_FACE;
  const toApp = (obj: KubeObject): ObjectRef[] => {
    const app = appOf(obj);
    return app && app.face === face.face ? [{ namespace: app.namespace, name: app.name }] : [];
  };
  return {
    name: face.controllerName,
    for: face.type,
    // Passes mostly wait on the API server: more of them at once keep a commit to many Applications moving.
    concurrency: 8,
    // A commit that changed what an Application renders is synced before the passes its managed
    // objects' changes and resyncs queued: one app's commit does not wait behind a thousand others.
    urgentFirst: true,
    indexes: { [APPLICATION_INDEX]: applicationIndex },
    watches: [
      ...WATCHED_KINDS.map((type) => ({ type, map: toApp })),
      // Pods and ReplicaSets change a Deployment's health: find the Deployment's Application.
      { type: REPLICASETS, map: (rs: KubeObject, ctx: CacheReader) => ownerApp(rs, DEPLOYMENTS, ctx).filter((a) => a.face === face.face) },
      {
        type: PODS,
        map: (pod: KubeObject, ctx: CacheReader) => {
          // A Pod the Application manages itself, or one of its Deployments' pods.
          const own = toApp(pod);
          if (own.length) return own;
          const rs = controllerOf(pod, REPLICASETS, ctx);
          return rs ? ownerApp(rs, DEPLOYMENTS, ctx).filter((a) => a.face === face.face) : [];
        },
      },
      // A project's rules changed: its Applications are admitted (or refused) again.
      { type: APP_PROJECTS, map: (project: KubeObject, ctx: { cache(t: ResourceType): readonly KubeObject[] }) => applicationsOfProject(project, ctx.cache(face.type), face) },
    ],
    reconcile: (ref, ctx) => reconcileApplication(ref, ctx, opts),
  };
}

/** The object's controller of `ownerType`, from the cache's uid index. */
function controllerOf(obj: KubeObject, ownerType: ResourceType, ctx: CacheReader): KubeObject | undefined {
  const ref = obj.metadata.ownerReferences?.find((r) => r.controller && r.kind === ownerType.kind);
  return ref ? ctx.byIndex(ownerType, 'uid', ref.uid)[0] : undefined;
}

function ownerApp(obj: KubeObject, ownerType: ResourceType, ctx: CacheReader): AppRef[] {
  const owner = controllerOf(obj, ownerType, ctx);
  const app = owner && appOf(owner);
  return app ? [app] : [];
}

export async function reconcileApplication(ref: ObjectRef, ctx: ReconcileContext, opts: ApplicationControllerOptions): Promise<ReconcileResult | void> {
  const face = opts.face ?? SKIFF_FACE;
  let app: KubeObject;
  try {
    app = await ctx.client.get(face.type, ref.namespace, ref.name);
  } catch (err) {
    if (err instanceof NotFoundError) {
      opts.sources.forget({ namespace: ref.namespace ?? '', name: ref.name, ...(face.face ? { face: face.face } : {}) });
      return;
    }
    throw err;
  }
  const appRef: AppRef = { namespace: app.metadata.namespace!, name: app.metadata.name!, ...(face.face ? { face: face.face } : {}) };
  if (app.metadata.deletionTimestamp) return finalizeApplication(ctx, face, app, appRef, prune);
  const previous = statusOf(app);
  const now = () => rfc3339(ctx.now());
  const status: ApplicationStatus = structuredClone(previous);

  // 0. What Skiff can sync, and what the Application's project allows.
  const admitted = await admitApplication(ctx, face, app);
  if (!admitted.ok) {
    setCondition(status, 'InvalidSpecError', admitted.message, now());
    status.sync = { status: 'Unknown', revision: previous.sync?.revision };
    await writeStatus(ctx, app, previous, status);
    return;
  }
  removeCondition(status, 'InvalidSpecError');
  const spec = admitted.spec;
  const automated = !!spec.syncPolicy?.automated;
  const options = syncOptions(spec.syncPolicy?.syncOptions);
  // A jq expression outside the subset Skiff evaluates is said on the Application (and ignores nothing).
  const jqErrors = (spec.ignoreDifferences ?? []).flatMap((r) => (r.jqPathExpressions ?? []).flatMap((e) => jqError(e) ?? []));
  if (jqErrors.length) setCondition(status, 'InvalidSpecError', `spec.ignoreDifferences: ${jqErrors.join('; ')}`, now());
  else removeCondition(status, 'InvalidSpecError');

  // 1. The revision and its manifests.
  const head = await opts.sources.resolve(appRef, spec, app.metadata.annotations ?? {}, ctx.now());
  if (!head.ok) {
    setCondition(status, 'ComparisonError', head.message, now());
    status.sync = { status: 'Unknown', revision: previous.sync?.revision };
    await writeStatus(ctx, app, previous, status);
    return { requeueAfterMs: head.retryAfterMs };
  }
  // A commit that changes nothing this Application renders (another folder of a monorepo) is no new revision for it.
  const specs = sourceSpecs(spec);
  const source = await opts.sources.revisionFor(head, specs, appRef, previous.operationState?.phase === 'Succeeded' ? previous.operationState.revision : undefined);
  const { sha } = source;
  const read = await manifestsOfSources(opts.sources, source, spec, appRef);
  const resolved = read.ok ? desiredObjects(appRef, spec.destination.namespace, read.manifests, sha, await resolveKinds(read.manifests, opts.discovery)) : read;
  const forbidden = resolved.ok && admitted.project ? forbiddenObjects(admitted.project, resolved.objects) : [];
  const desired = forbidden.length ? { ok: false as const, errors: forbidden } : resolved;
  const alreadyLive = previous.operationState?.revision === sha && previous.operationState.phase === 'Succeeded';
  if (!desired.ok) {
    return fail(ctx, app, previous, status, sha, desired.errors, opts, (!read.ok && read.retryAfterMs) || source.requeueAfterMs);
  }
  removeCondition(status, 'ComparisonError');
  if (read.ok && read.warnings.length) setCondition(status, 'ComparisonWarning', read.warnings.join('; '), now());
  else removeCondition(status, 'ComparisonWarning');

  // 2. The sync operation of this revision: started once every object passes a server dry run,
  //    then one step per pass (hooks, waves, prune), its progress kept in operationState.
  const { tasks } = syncTasks(desired.objects);
  // What is applied, is applied as the Application's account: RBAC decides what a revision may touch.
  const account = applyingAccount(app, spec.destination.namespace, admitted.project?.spec.destinationServiceAccounts);
  const actx: ReconcileContext = account ? { ...ctx, client: ctx.client.as(accountUser(account)) } : ctx;
  let requeueAfterMs: number | undefined;
  if (automated) {
    const op = previous.operationState;
    const ours = op?.revision === sha && op.syncResult ? op : undefined;
    const retryIn = ours?.phase === 'Failed' && mayRetry(spec.syncPolicy?.retry, ours.retryCount ?? 0) ? Math.max(0, Date.parse(ours.finishedAt ?? '') + retryDelayMs(spec.syncPolicy!.retry!, ours.retryCount ?? 0) - ctx.now().getTime()) : undefined;
    // Hooks and generateName objects are made once per operation, found again by the operation's id
    // (its start time): the operation is recorded Running before their first step. Without them
    // every step may run again, so the steps follow each other in this pass (one pass, one status
    // write per sync instead of three: what 1,000 Applications changed by one commit need).
    const stepsInOnePass = !tasks.some((t) => t.hook || isGenerated(t.desired.object));
    let started = false;
    if (!ours || retryIn === 0) {
      const t0 = performance.now();
      const created = namespacesCreatedBy(desired.objects, spec.destination.namespace, options.get('CreateNamespace') === 'true');
      // An object another Application manages is never taken over: nothing of this revision is applied.
      const shared = await sharedResources(ctx, appRef, desired.objects);
      if (shared.length) setCondition(status, SHARED_RESOURCE_WARNING, shared.map((e) => e.message).join('; '), now());
      else removeCondition(status, SHARED_RESOURCE_WARNING);
      if (shared.length) return fail(ctx, app, previous, status, sha, shared, opts, source.requeueAfterMs);
      // The destination namespace (CreateNamespace=true, made by the watcher itself as Argo CD makes it) and
      // the default account are there before the dry run, which runs as that account.
      if (options.get('CreateNamespace') === 'true') await ensureNamespace(ctx, spec.destination.namespace);
      if (account?.isDefault) await ensureDefaultAccount(ctx, spec.destination.namespace).catch((err) => {
        // No such namespace: the dry run says so, naming each object.
        if (!(err instanceof NotFoundError)) throw err;
      });
      const validated = desired.objects.filter((d) => (resourceSyncOptions(d.object).get('Validate') ?? options.get('Validate')) !== 'false' && !hookTypes(d.object).includes('Skip'));
      const invalid = await dryRun(actx, validated, created, read.ok ? read.texts : new Map(), options.get('SkipDryRunOnMissingResource') === 'true');
      if (invalid.length) opts.syncDuration?.observe({ result: 'failed' }, (performance.now() - t0) / 1000);
      if (invalid.length) return fail(ctx, app, previous, status, sha, invalid, opts, source.requeueAfterMs);
      const retryCount = ours ? (ours.retryCount ?? 0) + 1 : 0;
      if (ours) void ctx.events.record(app, 'Normal', 'OperationRetry', `retrying the sync of ${sha.slice(0, 7)} (retry ${retryCount}${(spec.syncPolicy?.retry?.limit ?? 0) >= 0 ? ` of ${spec.syncPolicy?.retry?.limit ?? 0}` : ''}) after: ${ours.message}`);
      status.operationState = { phase: 'Running', message: 'sync started', startedAt: now(), revision: sha, ...(retryCount ? { retryCount } : {}), syncResult: { revision: sha, resources: [] } };
      requeueAfterMs = 0;
      started = true;
    } else if (retryIn !== undefined) {
      requeueAfterMs = retryIn;
    }
    if ((started && stepsInOnePass) || (!started && ours?.phase === 'Running' && retryIn === undefined)) {
      const state = status.operationState!;
      const step = () => runSyncStep(tasks, state.syncResult!.resources, {
        ctx: actx,
        app: appRef,
        operationId: `${sha.slice(0, 12)}@${state.startedAt}#${state.retryCount ?? 0}`,
        // RespectIgnoreDifferences=true: a sync, like a heal, leaves the ignored fields as they are live.
        apply: async (d, o) => apply(actx, options.get('RespectIgnoreDifferences') === 'true' ? await respectingIgnored(ctx, d, spec.ignoreDifferences ?? []) : d, o),
        waitForEstablished: (crd) => waitForEstablished(ctx, crd),
        prune: async () => {
          if (spec.syncPolicy?.automated?.prune) await prune(ctx, appRef, desired.objects, actx.client);
        },
        healthOf: (obj) => assessHealth(obj, relatedOf(obj, ctx)),
        pruneLast: options.get('PruneLast') === 'true',
        replaceAll: options.get('Replace') === 'true',
      });
      let action = await step();
      // Bounded: a plain sync is an apply step then a finish; waves add an apply (and a wait) each.
      for (let more = stepsInOnePass ? MAX_STEPS_PER_PASS : 0; action.type === 'apply' && more > 0; more--) action = await step();
      requeueAfterMs = action.type === 'wait' ? WAIT_RECHECK_MS : 0;
      if (action.type === 'wait') state.message = action.message;
      // What the revision changed since the last one that ran, for its history entry.
      const changes = async (): Promise<string | undefined> => {
        const from = previous.history?.at(-1)?.revision;
        if (!from || from === sha || !read.ok) return undefined;
        const before = await manifestsOfSources(opts.sources, { ...source, sha: from }, spec, appRef);
        return before.ok ? revisionChanges(before.manifests, read.manifests) : undefined;
      };
      if (action.type === 'finish') requeueAfterMs = await finishOperation(ctx, app, previous, status, action, source, sha, opts, changes);
    }
  }

  // 3. Compare with the live state (hooks are not compared); self-heal and prune what drifted.
  const resources: ResourceStatus[] = [];
  const healths: HealthStatus[] = [];
  const events: string[] = [];
  for (const d of tasks.filter((t) => !t.hook).map((t) => t.desired)) {
    const key = objectKey(d.object);
    let obj = await getLive(ctx, d);
    // Another Application's object is neither compared nor healed: this one never synced it.
    const owner = otherOwner(obj, appRef);
    if (owner) {
      resources.push({ group: groupOf(d.object.apiVersion), version: d.object.apiVersion.split('/').pop()!, kind: d.object.kind, ...(d.type.namespaced ? { namespace: d.object.metadata.namespace } : {}), name: d.object.metadata.name!, status: 'OutOfSync', diff: [`managed by ${ownerName(owner)}`] });
      continue;
    }
    // An object a sync created from generateName is not compared or healed: the next revision makes a new one.
    if (isGenerated(d.object) && !obj) continue;
    const all = obj && !isGenerated(d.object) ? driftedFields(d.object, obj, patchSchemaFor(d.object.apiVersion, d.object.kind)) : [];
    const ignored = ignoredFieldsOrNone(spec.ignoreDifferences ?? [], d.object, obj, ctx);
    let diff = obj ? all.filter((f) => !isIgnored(f, ignored)) : undefined;
    const missing = !obj;
    if ((missing || diff!.length) && automated && alreadyLive && spec.syncPolicy?.automated?.selfHeal) {
      // What ignoreDifferences ignores keeps its live value: a heal never undoes it.
      obj = await apply(actx, { ...d, object: keepIgnoredLive(d.object, all.filter((f) => isIgnored(f, ignored))) });
      const what = missing ? 'recreated (it had been deleted)' : diff!.map((f) => `${f.path}: ${show(f.live)} -> ${show(f.desired)}`).join(', ');
      events.push(`${key}: ${what}`);
      diff = [];
    }
    const health = obj ? assessHealth(obj, relatedOf(obj, ctx)) : { status: 'Missing' as const };
    healths.push(health);
    resources.push({
      group: groupOf(d.object.apiVersion),
      version: d.object.apiVersion.split('/').pop()!,
      kind: d.object.kind,
      ...(d.type.namespaced ? { namespace: d.object.metadata.namespace } : {}),
      name: obj?.metadata.name ?? d.object.metadata.name!,
      status: !obj || (diff && diff.length) ? 'OutOfSync' : 'Synced',
      health,
      ...(diff && diff.length ? { diff: diff.map((f) => `${f.path}: ${show(f.live)} (git: ${show(f.desired)})`) } : {}),
    });
  }
  const pruning = automated && alreadyLive && !!spec.syncPolicy?.automated?.prune;
  if (pruning) await prune(ctx, appRef, desired.objects, actx.client);
  // Live objects of this Application that left git and stay (no prune, or Prune=false): OutOfSync, unless IgnoreExtraneous.
  const extraneous = extraneousObjects(ctx, appRef, desired.objects).filter((o) => !pruning || resourceSyncOptions(o).get('Prune') === 'false');
  for (const o of extraneous) {
    resources.push({ group: groupOf(o.apiVersion), version: o.apiVersion.split('/').pop()!, kind: o.kind, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}), name: o.metadata.name!, status: 'OutOfSync', requiresPruning: true });
  }
  const counted = new Set(extraneous.filter((o) => compareOptions(o).has('IgnoreExtraneous')).map((o) => objectKey(o)));
  for (const e of events) {
    ctx.log.info({ drift: e }, 'drift corrected');
    notify(ctx, app, { type: 'drift.corrected', revision: sha, message: e }, opts);
  }

  // 4. Status.
  const applied = status.operationState?.revision === sha && status.operationState.phase === 'Succeeded';
  status.resources = resources;
  const inSync = resources.every((r) => r.status === 'Synced' || counted.has(`${r.group ? `${r.group}/` : ''}${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`));
  status.sync = { status: applied && inSync ? 'Synced' : 'OutOfSync', revision: applied ? sha : (previous.sync?.revision ?? sha) };
  // The live state is this revision rendered with these sources: a later commit that renders alike may keep it here.
  if (status.sync.status === 'Synced') opts.sources.synced(appRef, sha, specs);
  const health = worstHealth(healths) as HealthStatus;
  status.health = health;
  markHealthy(status, sha);
  transitionsOfHealth(previous, status, app, opts, ctx);
  rolloutTransitions(previous, status, app, opts, ctx);
  await writeStatus(ctx, app, previous, status);
  await maybeRollBack(app, status, opts, ctx);
  const next = Math.min(requeueAfterMs ?? Infinity, source.requeueAfterMs ?? Infinity);
  return next !== Infinity ? { requeueAfterMs: next } : undefined;
}

/** The operation's last step: Succeeded (history, Synced event) or Failed (SyncFailed event; a retry when the policy allows one). */
async function finishOperation(
  ctx: ReconcileContext,
  app: KubeObject,
  previous: ApplicationStatus,
  status: ApplicationStatus,
  action: { phase: 'Succeeded' | 'Failed'; message: string },
  source: Parameters<RepoSources['commit']>[0],
  sha: string,
  opts: ApplicationControllerOptions,
  changes: () => Promise<string | undefined>,
): Promise<number | undefined> {
  const state = status.operationState!;
  const now = rfc3339(ctx.now());
  const seconds = (ctx.now().getTime() - Date.parse(state.startedAt ?? now)) / 1000;
  Object.assign(state, { phase: action.phase, message: action.message, finishedAt: now });
  if (action.phase === 'Succeeded') {
    const info = await opts.sources.commit(source, sha);
    opts.syncDuration?.observe({ result: 'success' }, seconds);
    // A revision an earlier commit's rendering no longer reads is no reason to fail a finished sync.
    const diff = await changes().catch(() => undefined);
    status.history = appendHistory(previous.history ?? [], { revision: sha, message: info.message, author: info.author, deployedAt: now, ...(diff ? { changes: diff } : {}) });
    ctx.log.info({ revision: sha }, 'synced');
    notify(ctx, app, { type: 'sync.succeeded', revision: sha, message: `synced to ${sha.slice(0, 7)}: ${info.message}`, commit: info }, opts);
    return undefined;
  }
  opts.syncDuration?.observe({ result: 'failed' }, seconds);
  ctx.log.warn({ revision: sha }, `sync failed: ${action.message}`);
  notify(ctx, app, { type: 'sync.failed', revision: sha, message: `revision ${sha.slice(0, 7)}: ${action.message}` }, opts);
  const faceSpec = faceOfObject(app).specOf(app);
  const retry = faceSpec.ok ? faceSpec.spec.syncPolicy?.retry : undefined;
  return mayRetry(retry, state.retryCount ?? 0) ? retryDelayMs(retry!, state.retryCount ?? 0) : undefined;
}

/** The sync failed before anything was applied: say where, keep the live state as it is. */
async function fail(ctx: ReconcileContext, app: KubeObject, previous: ApplicationStatus, status: ApplicationStatus, sha: string, errors: DesiredError[], opts: ApplicationControllerOptions, requeueAfterMs?: number): Promise<ReconcileResult | void> {
  const message = errors.map((e) => `${e.file}:${e.line}${e.field ? ` ${e.field}` : ''}: ${e.message}`).join('; ');
  const when = rfc3339(ctx.now());
  setCondition(status, 'ComparisonError', message, when);
  const repeated = previous.operationState?.revision === sha && previous.operationState.phase === 'Failed' && previous.operationState.message === message;
  status.operationState = repeated ? previous.operationState : { phase: 'Failed', message, startedAt: when, finishedAt: when, revision: sha };
  status.sync = { status: 'OutOfSync', revision: previous.sync?.revision };
  await writeStatus(ctx, app, previous, status);
  if (!repeated) {
    ctx.log.warn({ revision: sha, errors: errors.length }, `sync failed: ${message}`);
    notify(ctx, app, { type: 'sync.failed', revision: sha, message: `revision ${sha.slice(0, 7)}: ${message}` }, opts);
  }
  return requeueAfterMs !== undefined ? { requeueAfterMs } : undefined;
}

/**
 * A namespace that surely exists, in which objects of a namespace the same sync creates are judged:
 * the API server refuses any request in a namespace that does not exist, dry runs too.
 */
const STAND_IN_NAMESPACE = 'default';

/** Whether `d` is a RoleBinding or ClusterRoleBinding whose role is among `objects`. */
function bindsRoleOf(d: DesiredObject, objects: readonly DesiredObject[]): boolean {
  const ref = (d.object as { roleRef?: { kind?: string; name?: string } }).roleRef;
  if (!ref || !d.object.apiVersion.startsWith('rbac.authorization.k8s.io/') || !d.object.kind.endsWith('Binding')) return false;
  return objects.some((o) => o.object.apiVersion.startsWith('rbac.authorization.k8s.io/') && o.object.kind === ref.kind && o.object.metadata.name === ref.name && (ref.kind === 'ClusterRole' || o.object.metadata.namespace === d.object.metadata.namespace));
}

/** Server dry runs of every object; Invalid answers become errors with file, line and field. */
async function dryRun(ctx: ReconcileContext, objects: readonly DesiredObject[], createdNamespaces: Set<string>, texts: Map<string, { text: string; lineOf(docLine: number, field: string): number | undefined }>, skipMissingAll = false): Promise<DesiredError[]> {
  const errors: DesiredError[] = [];
  const asCreate = (d: DesiredObject, obj = d.object) =>
    ctx.client.create(d.type, obj, FIELD_MANAGER, { dryRun: true }).catch((e) => {
      if (!(e instanceof AlreadyExistsError)) throw e;
    });
  await Promise.all(
    objects.map(async (d) => {
      try {
        // A hook is created anew by each sync: judge it as a create (its earlier run may still exist).
        if (isGenerated(d.object) || hookTypes(d.object).length) await asCreate(d);
        else await ctx.client.patch(d.type, d.object.metadata.namespace, d.object.metadata.name!, d.object, 'apply', { fieldManager: FIELD_MANAGER, force: true, dryRun: true });
      } catch (err) {
        try {
          // A namespace this very sync creates does not exist yet, so what goes in it is new: it is
          // judged as a create in a namespace that exists, before anything of the revision is applied.
          if (err instanceof NotFoundError && d.object.metadata.namespace && createdNamespaces.has(d.object.metadata.namespace)) {
            await asCreate(d, { ...d.object, metadata: { ...d.object.metadata, namespace: STAND_IN_NAMESPACE } });
            return;
          }
          throw err;
        } catch (err) {
          // A kind whose CRD this sync installs is not served yet.
          if (err instanceof NotFoundError && d.definedBy) return;
          // A binding to a role this sync creates: RBAC judges it against that role once it exists (roles are applied first).
          if (err instanceof ForbiddenError && err.message.endsWith('" not found') && bindsRoleOf(d, objects)) return;
          if (err instanceof NotFoundError && (skipMissingAll || resourceSyncOptions(d.object).get('SkipDryRunOnMissingResource') === 'true')) return;
          if (err instanceof InvalidError && err.causes?.length) {
            for (const c of err.causes) {
              const line = (c.field && texts.get(d.file)?.lineOf(d.line, c.field)) || d.line;
              errors.push({ file: d.file, line, field: c.field, message: c.message });
            }
          } else {
            errors.push({ file: d.file, line: d.line, message: (err as Error).message.replace(`namespace "${STAND_IN_NAMESPACE}"`, `namespace "${d.object.metadata.namespace ?? ''}"`) });
          }
        }
      }
    }),
  );
  return errors.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

async function apply(ctx: ReconcileContext, d: DesiredObject, opts: { replace?: boolean } = {}): Promise<KubeObject> {
  if (isGenerated(d.object)) return ctx.client.create(d.type, d.object, FIELD_MANAGER);
  if (opts.replace) return replace(ctx, d);
  return ctx.client.patch(d.type, d.object.metadata.namespace, d.object.metadata.name!, d.object, 'apply', { fieldManager: FIELD_MANAGER, force: true });
}

/** Replace=true: the object is created, or replaced whole (PUT), as `kubectl replace` does, instead of applied. */
async function replace(ctx: ReconcileContext, d: DesiredObject): Promise<KubeObject> {
  const live = await getLive(ctx, d);
  if (!live) return ctx.client.create(d.type, d.object, FIELD_MANAGER);
  return ctx.client.update(d.type, { ...d.object, metadata: { ...d.object.metadata, resourceVersion: live.metadata.resourceVersion } }, FIELD_MANAGER);
}

async function respectingIgnored(ctx: ReconcileContext, d: DesiredObject, rules: readonly IgnoreDifference[]): Promise<DesiredObject> {
  if (!rules.length || isGenerated(d.object)) return d;
  const live = await getLive(ctx, d);
  if (!live) return d;
  const ignored = ignoredFieldsOrNone(rules, d.object, live, ctx);
  const drift = driftedFields(d.object, live, patchSchemaFor(d.object.apiVersion, d.object.kind)).filter((f) => isIgnored(f, ignored));
  return drift.length ? { ...d, object: keepIgnoredLive(d.object, drift) } : d;
}

async function getLive(ctx: ReconcileContext, d: DesiredObject): Promise<KubeObject | undefined> {
  if (isGenerated(d.object)) {
    // The newest object this manifest made at this revision.
    const app = appOf(d.object)!;
    const made = (await ctx.client.list(d.type, { namespace: d.object.metadata.namespace, labelSelector: `${APP_LABEL}=${app.name}` })).items.filter(
      (o) => o.metadata.annotations?.[TRACKING_ID] === d.object.metadata.annotations?.[TRACKING_ID] && o.metadata.annotations?.[REVISION] === d.object.metadata.annotations?.[REVISION],
    );
    return made.sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''))[0];
  }
  try {
    return await ctx.client.get(d.type, d.object.metadata.namespace, d.object.metadata.name!);
  } catch (err) {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  }
}

async function ensureNamespace(ctx: ReconcileContext, name: string): Promise<void> {
  try {
    await ctx.client.get(NAMESPACES, undefined, name);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    await ctx.client.create(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } }).catch((e) => {
      if (!(e instanceof AlreadyExistsError)) throw e;
    });
  }
}

const ESTABLISH_DEADLINE_MS = 30_000;

/**
 * Waits for a CRD this sync applied to be Established, so its objects can be applied (the API
 * server serves a CRD's kind from then on). Throws after the deadline: the pass is retried.
 */
async function waitForEstablished(ctx: ReconcileContext, name: string): Promise<void> {
  const deadline = Date.now() + ESTABLISH_DEADLINE_MS;
  for (;;) {
    const crd = await ctx.client.get(CUSTOM_RESOURCE_DEFINITION, undefined, name).catch((err) => {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    });
    if (crd && isEstablished(shape<CustomResourceDefinition>(crd))) return;
    if (Date.now() > deadline) throw new Error(`CustomResourceDefinition ${name} is not Established`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Deletes what this Application applied earlier and git no longer has, in reverse sync order
 * (found with the watcher's own reads, deleted as `deleter`: the Application's account).
 * Returns how many such objects are still there (being deleted now, or held by finalizers).
 */
async function prune(ctx: ReconcileContext, app: AppRef, desired: readonly DesiredObject[], deleter = ctx.client): Promise<number> {
  const wanted = new Set(desired.map((d) => objectKey(d.object)));
  // What generateName manifests made at this revision stays; what they made at earlier ones is superseded.
  const generatedNow = new Set(desired.filter((d) => isGenerated(d.object)).map((d) => `${d.object.metadata.annotations?.[TRACKING_ID]}@${d.object.metadata.annotations?.[REVISION]}`));
  const keep = (obj: KubeObject) => wanted.has(objectKey(obj)) || generatedNow.has(`${obj.metadata.annotations?.[TRACKING_ID]}@${obj.metadata.annotations?.[REVISION]}`);
  // The kinds this controller's informers hold are read from their index of tracked objects.
  const cached = new Set([...WATCHED_KINDS, PODS, REPLICASETS, faceOf(app).type]);
  const managed = await managedObjects(listFromCache(ctx, cached, ctx.client), app, desired);
  const byKind = new Map(managed.map(({ object, type }) => [`${object.apiVersion}/${object.kind}`, type]));
  // Hooks are never pruned (their delete policy cleans them up); Prune=false keeps an object on purpose.
  const stale = managed.map((m) => m.object).filter((obj) => !keep(obj) && !hookTypes(obj).length && resourceSyncOptions(obj).get('Prune') !== 'false');
  // Objects already being deleted are waited for, not deleted again.
  for (const obj of pruneOrder(stale.filter((o) => !o.metadata.deletionTimestamp))) {
    const type = byKind.get(`${obj.apiVersion}/${obj.kind}`)!;
    try {
      await deleter.delete(type, obj.metadata.namespace, obj.metadata.name!, { propagationPolicy: 'Background', preconditions: { uid: obj.metadata.uid } });
      ctx.log.info({ object: objectKey(obj) }, 'pruned');
      void ctx.events.record({ apiVersion: faceOf(app).apiVersion, kind: 'Application', metadata: { name: app.name, namespace: app.namespace } }, 'Normal', 'Pruned', `${objectKey(obj)} is no longer in git`);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
  return stale.length;
}

/** Pods a Deployment's health depends on (crash loops), from the cache. */
function relatedOf(obj: KubeObject, ctx: ReconcileContext): { pods?: KubeObject[] } {
  if (obj.kind !== 'Deployment') return {};
  const replicaSets = obj.metadata.uid ? ctx.byIndex(REPLICASETS, 'controller', obj.metadata.uid) : [];
  return { pods: replicaSets.flatMap((rs) => (rs.metadata.uid ? ctx.byIndex(PODS, 'controller', rs.metadata.uid) : [])) };
}

function appendHistory(history: HistoryEntry[], entry: Omit<HistoryEntry, 'id'>): HistoryEntry[] {
  if (history.at(-1)?.revision === entry.revision) return history;
  const id = (history.at(-1)?.id ?? 0) + 1;
  return [...history, { id, ...entry }].slice(-HISTORY_LIMIT);
}

function markHealthy(status: ApplicationStatus, sha: string): void {
  const last = status.history?.at(-1);
  if (last && last.revision === sha && status.health?.status === 'Healthy' && status.sync?.status === 'Synced' && !last.healthy) {
    status.history = [...status.history!.slice(0, -1), { ...last, healthy: true }];
  }
}

/**
 * The revision health and rollouts are about: the one a running sync operation is applying (its
 * objects change before the operation finishes and the synced revision moves), else the synced one.
 */
function revisionInFlight(status: ApplicationStatus): string | undefined {
  return status.operationState?.phase === 'Running' ? status.operationState.revision : status.sync?.revision;
}

function transitionsOfHealth(previous: ApplicationStatus, status: ApplicationStatus, app: KubeObject, opts: ApplicationControllerOptions, ctx: ReconcileContext): void {
  const was = previous.health?.status;
  const is = status.health?.status;
  if (was === is) return;
  const revision = revisionInFlight(status);
  if (is === 'Degraded') notify(ctx, app, { type: 'health.degraded', revision, message: `health is Degraded: ${status.health?.message ?? ''}`.trim() }, opts);
  if (is === 'Healthy' && was !== undefined) notify(ctx, app, { type: 'health.healthy', revision, message: 'health is Healthy' }, opts);
}

/**
 * Rollouts of the Deployments an Application manages, from their health between passes:
 * Healthy (or new) -> Progressing is a rollout starting; Progressing -> Healthy, one completing;
 * -> Degraded while Progressing (a deadline exceeded, crash-looping new pods), one failing.
 */
function rolloutTransitions(previous: ApplicationStatus, status: ApplicationStatus, app: KubeObject, opts: ApplicationControllerOptions, ctx: ReconcileContext): void {
  const key = (r: ResourceStatus) => `${r.group}/${r.kind}/${r.namespace ?? ''}/${r.name}`;
  const before = new Map((previous.resources ?? []).map((r) => [key(r), r]));
  for (const r of status.resources ?? []) {
    if (r.kind !== 'Deployment') continue;
    const was = before.get(key(r))?.health?.status;
    const is = r.health?.status;
    if (was === is) continue;
    const revision = revisionInFlight(status);
    const name = `${r.namespace}/${r.name}`;
    const progress = r.health?.message;
    if (is === 'Progressing' && was !== 'Progressing') notify(ctx, app, { type: 'rollout.started', revision, message: `rollout of Deployment ${name} started`, rolloutProgress: progress }, opts);
    else if (is === 'Healthy' && was === 'Progressing') notify(ctx, app, { type: 'rollout.completed', revision, message: `rollout of Deployment ${name} completed` }, opts);
    else if (is === 'Degraded' && was === 'Progressing') notify(ctx, app, { type: 'rollout.failed', revision, message: `rollout of Deployment ${name} failed: ${progress ?? ''}`.trim(), rolloutProgress: progress }, opts);
  }
}

/**
 * autoRollback: a Degraded Application whose previous revision was Healthy gets a rollback
 * commit in its repository (local repositories; once per degraded revision), which the next
 * pass syncs like any commit.
 */
async function maybeRollBack(app: KubeObject, status: ApplicationStatus, opts: ApplicationControllerOptions, ctx: ReconcileContext): Promise<void> {
  const read = faceOfObject(app).specOf(app);
  if (!read.ok) return;
  const spec = read.spec;
  if (!spec.syncPolicy?.autoRollback || status.health?.status !== 'Degraded') return;
  const history = status.history ?? [];
  const current = history.at(-1);
  const previousGood = [...history.slice(0, -1)].reverse().find((h) => h.healthy);
  if (!current || !previousGood || current.revision !== status.sync?.revision || current.healthy) return;
  if (!localRepoPath(spec.source.repoURL)) return;
  if ((app.metadata.annotations ?? {})['skiff.dev/auto-rolled-back'] === current.revision) return;
  await ctx.client.patch(faceOfObject(app).type, app.metadata.namespace, app.metadata.name!, { metadata: { annotations: { 'skiff.dev/auto-rolled-back': current.revision } } });
  const sha = await opts.sources.rollBack(spec, previousGood.revision);
  ctx.log.warn({ from: current.revision, to: previousGood.revision, commit: sha }, 'degraded: rolled back by commit');
  void ctx.events.record(app, 'Warning', 'AutoRollback', `revision ${current.revision.slice(0, 7)} is Degraded; committed ${sha.slice(0, 7)} to go back to ${previousGood.revision.slice(0, 7)}`);
}

/** Messages quote repository URLs and git's errors: written without credentials, whoever built them. */
function setCondition(status: ApplicationStatus, type: string, text: string, at: string): void {
  const message = redactCredentials(text);
  const existing = status.conditions?.find((c) => c.type === type);
  if (existing?.message === message) return;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== type), { type, message, lastTransitionTime: at }];
}

function removeCondition(status: ApplicationStatus, type: string): void {
  if (status.conditions?.some((c) => c.type === type)) status.conditions = status.conditions.filter((c) => c.type !== type);
  if (status.conditions?.length === 0) delete status.conditions;
}

/** Writes the status when anything but the reconcile time changed. */
async function writeStatus(ctx: ReconcileContext, app: KubeObject, previous: ApplicationStatus, status: ApplicationStatus): Promise<void> {
  faceOfObject(app).decorateStatus?.(status, app);
  // Whatever the key order: the stored status comes back from Postgres' jsonb with its keys reordered.
  if (deepEqual({ ...previous, reconciledAt: undefined }, { ...status, reconciledAt: undefined })) return;
  status.reconciledAt = rfc3339(ctx.now());
  // A merge patch keeps what it does not mention: what this pass dropped, at any depth (a failed
  // revision's operationState has no syncResult), is sent as null.
  const patch = createMergePatch(previous, status) ?? {};
  try {
    await ctx.client.patch(faceOfObject(app).type, app.metadata.namespace, app.metadata.name!, { status: patch }, 'merge', { subresource: 'status' });
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
}

function show(v: unknown): string {
  return v === undefined ? '<none>' : typeof v === 'string' ? v : JSON.stringify(v);
}

function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
