import { AlreadyExistsError, CUSTOM_RESOURCE_DEFINITION, deepEqual, InvalidError, isEstablished, NotFoundError, patchSchemaFor, shape, type KubeObject, type ResourceType } from '@skiff/apimachinery';
import type { ApiDiscovery } from '@skiff/kube-client';
import type { CustomResourceDefinition } from 'kubernetes-types/apiextensions/v1.js';
import type { Controller, ObjectRef, ReconcileContext, ReconcileResult } from '@skiff/controller-runtime';
import { assessHealth, driftedFields, pruneOrder, syncOrder, worstHealth } from '@skiff/gitops';
import { admitApplication, applicationsOfProject, forbiddenObjects } from './admitApplication.js';
import { faceOf, faceOfObject, SKIFF_FACE, type ApplicationFace } from './applicationFace.js';
import { finalizeApplication } from './finalizeApplication.js';
import { manifestsOfSources } from './manifestsOfSources.js';
import { localRepoPath, statusOf, type ApplicationStatus, type HealthStatus, type HistoryEntry, type ResourceStatus } from './applicationSpec.js';
import { desiredObjects, namespacesCreatedBy, syncOptions, type DesiredError, type DesiredObject } from './desiredObjects.js';
import type { RepoSources } from './repoSources.js';
import { APP_PROJECTS, DEPLOYMENTS, NAMESPACES, PODS, REPLICASETS, WATCHED_KINDS } from './resources.js';
import { resolveKinds } from './kindResolution.js';
import { managedObjects } from './managedObjects.js';
import { appOf, APP_LABEL, FIELD_MANAGER, groupOf, isGenerated, objectKey, REVISION, TRACKING_ID, type AppRef } from './tracking.js';

const HISTORY_LIMIT = 10;

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
    concurrency: 4,
    watches: [
      ...WATCHED_KINDS.map((type) => ({ type, map: toApp })),
      // Pods and ReplicaSets change a Deployment's health: find the Deployment's Application.
      { type: REPLICASETS, map: (rs: KubeObject, ctx: { cache(t: typeof DEPLOYMENTS): readonly KubeObject[] }) => ownerApp(rs, DEPLOYMENTS, ctx).filter((a) => a.face === face.face) },
      {
        type: PODS,
        map: (pod: KubeObject, ctx: { cache(t: typeof DEPLOYMENTS): readonly KubeObject[] }) => {
          // A Pod the Application manages itself, or one of its Deployments' pods.
          const own = toApp(pod);
          if (own.length) return own;
          const rsRef = pod.metadata.ownerReferences?.find((r) => r.controller && r.kind === 'ReplicaSet');
          const rs = rsRef && ctx.cache(REPLICASETS).find((x) => x.metadata.uid === rsRef.uid);
          return rs ? ownerApp(rs, DEPLOYMENTS, ctx).filter((a) => a.face === face.face) : [];
        },
      },
      // A project's rules changed: its Applications are admitted (or refused) again.
      { type: APP_PROJECTS, map: (project: KubeObject, ctx: { cache(t: ResourceType): readonly KubeObject[] }) => applicationsOfProject(project, ctx.cache(face.type), face) },
    ],
    reconcile: (ref, ctx) => reconcileApplication(ref, ctx, opts),
  };
}

function ownerApp(obj: KubeObject, ownerType: typeof DEPLOYMENTS, ctx: { cache(t: typeof DEPLOYMENTS): readonly KubeObject[] }): AppRef[] {
  const ref = obj.metadata.ownerReferences?.find((r) => r.controller && r.kind === ownerType.kind);
  const owner = ref && ctx.cache(ownerType).find((x) => x.metadata.uid === ref.uid);
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

  // 1. The revision and its manifests.
  const source = await opts.sources.resolve(appRef, spec, app.metadata.annotations ?? {}, ctx.now());
  if (!source.ok) {
    setCondition(status, 'ComparisonError', source.message, now());
    status.sync = { status: 'Unknown', revision: previous.sync?.revision };
    await writeStatus(ctx, app, previous, status);
    return { requeueAfterMs: source.retryAfterMs };
  }
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

  // 2. A new revision: validate all of it, then apply all of it.
  let live = new Map<string, KubeObject>();
  const events: string[] = [];
  if (automated && !alreadyLive) {
    const startedAt = now();
    const t0 = performance.now();
    const created = namespacesCreatedBy(desired.objects, spec.destination.namespace, options.get('CreateNamespace') === 'true');
    const invalid = await dryRun(ctx, desired.objects, created, read.ok ? read.texts : new Map());
    if (invalid.length) opts.syncDuration?.observe({ result: 'failed' }, (performance.now() - t0) / 1000);
    if (invalid.length) return fail(ctx, app, previous, status, sha, invalid, opts, source.requeueAfterMs);
    if (options.get('CreateNamespace') === 'true') await ensureNamespace(ctx, spec.destination.namespace);
    for (const d of inSyncOrder(desired.objects)) {
      if (d.definedBy) await waitForEstablished(ctx, d.definedBy);
      live.set(objectKey(d.object), await apply(ctx, d));
    }
    if (spec.syncPolicy?.automated?.prune) await prune(ctx, appRef, desired.objects);
    const info = await opts.sources.commit(source, sha);
    opts.syncDuration?.observe({ result: 'success' }, (performance.now() - t0) / 1000);
    status.operationState = { phase: 'Succeeded', message: `successfully synced (all ${desired.objects.length} objects applied)`, startedAt, finishedAt: now(), revision: sha };
    status.history = appendHistory(previous.history ?? [], { revision: sha, message: info.message, author: info.author, deployedAt: now() });
    ctx.log.info({ revision: sha, objects: desired.objects.length }, 'synced');
    notify(ctx, app, { type: 'sync.succeeded', revision: sha, message: `synced to ${sha.slice(0, 7)}: ${info.message}`, commit: info }, opts);
  }

  // 3. Compare with the live state; self-heal and prune what drifted.
  const resources: ResourceStatus[] = [];
  const healths: HealthStatus[] = [];
  for (const d of desired.objects) {
    const key = objectKey(d.object);
    let obj = live.get(key) ?? (await getLive(ctx, d));
    // An object a sync created from generateName is not compared or healed: the next revision makes a new one.
    if (isGenerated(d.object) && !obj) continue;
    let diff = obj ? (isGenerated(d.object) ? [] : driftedFields(d.object, obj, patchSchemaFor(d.object.apiVersion, d.object.kind))) : undefined;
    const missing = !obj;
    if ((missing || diff!.length) && automated && alreadyLive && spec.syncPolicy?.automated?.selfHeal) {
      obj = await apply(ctx, d);
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
  if (automated && alreadyLive && spec.syncPolicy?.automated?.prune) await prune(ctx, appRef, desired.objects);
  for (const e of events) {
    ctx.log.info({ drift: e }, 'drift corrected');
    notify(ctx, app, { type: 'drift.corrected', revision: sha, message: e }, opts);
  }

  // 4. Status.
  const applied = status.operationState?.revision === sha && status.operationState.phase === 'Succeeded';
  status.resources = resources;
  status.sync = { status: applied && resources.every((r) => r.status === 'Synced') ? 'Synced' : 'OutOfSync', revision: applied ? sha : (previous.sync?.revision ?? sha) };
  const health = worstHealth(healths) as HealthStatus;
  status.health = health;
  markHealthy(status, sha);
  transitionsOfHealth(previous, status, app, opts, ctx);
  rolloutTransitions(previous, status, app, opts, ctx);
  await writeStatus(ctx, app, previous, status);
  await maybeRollBack(app, status, opts, ctx);
  return source.requeueAfterMs !== undefined ? { requeueAfterMs: source.requeueAfterMs } : undefined;
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

/** Server dry runs of every object; Invalid answers become errors with file, line and field. */
async function dryRun(ctx: ReconcileContext, objects: readonly DesiredObject[], createdNamespaces: Set<string>, texts: Map<string, { text: string; lineOf(docLine: number, field: string): number | undefined }>): Promise<DesiredError[]> {
  const errors: DesiredError[] = [];
  await Promise.all(
    objects.map(async (d) => {
      try {
        if (isGenerated(d.object)) await ctx.client.create(d.type, d.object, FIELD_MANAGER, { dryRun: true });
        else await ctx.client.patch(d.type, d.object.metadata.namespace, d.object.metadata.name!, d.object, 'apply', { fieldManager: FIELD_MANAGER, force: true, dryRun: true });
      } catch (err) {
        // A namespace this very sync creates does not exist yet: the object is judged when applied.
        if (err instanceof NotFoundError && d.object.metadata.namespace && createdNamespaces.has(d.object.metadata.namespace)) return;
        // Nor is a kind whose CRD this sync installs served yet.
        if (err instanceof NotFoundError && d.definedBy) return;
        if (err instanceof InvalidError && err.causes?.length) {
          for (const c of err.causes) {
            const line = (c.field && texts.get(d.file)?.lineOf(d.line, c.field)) || d.line;
            errors.push({ file: d.file, line, field: c.field, message: c.message });
          }
        } else {
          errors.push({ file: d.file, line: d.line, message: (err as Error).message });
        }
      }
    }),
  );
  return errors.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}

async function apply(ctx: ReconcileContext, d: DesiredObject): Promise<KubeObject> {
  if (isGenerated(d.object)) return ctx.client.create(d.type, d.object, FIELD_MANAGER);
  return ctx.client.patch(d.type, d.object.metadata.namespace, d.object.metadata.name!, d.object, 'apply', { fieldManager: FIELD_MANAGER, force: true });
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
 * Deletes what this Application applied earlier and git no longer has, in reverse sync order.
 * Returns how many such objects are still there (being deleted now, or held by finalizers).
 */
async function prune(ctx: ReconcileContext, app: AppRef, desired: readonly DesiredObject[]): Promise<number> {
  const wanted = new Set(desired.map((d) => objectKey(d.object)));
  // What generateName manifests made at this revision stays; what they made at earlier ones is superseded.
  const generatedNow = new Set(desired.filter((d) => isGenerated(d.object)).map((d) => `${d.object.metadata.annotations?.[TRACKING_ID]}@${d.object.metadata.annotations?.[REVISION]}`));
  const keep = (obj: KubeObject) => wanted.has(objectKey(obj)) || generatedNow.has(`${obj.metadata.annotations?.[TRACKING_ID]}@${obj.metadata.annotations?.[REVISION]}`);
  const managed = await managedObjects(ctx.client, app, desired);
  const byKind = new Map(managed.map(({ object, type }) => [`${object.apiVersion}/${object.kind}`, type]));
  const stale = managed.map((m) => m.object).filter((obj) => !keep(obj));
  // Objects already being deleted are waited for, not deleted again.
  for (const obj of pruneOrder(stale.filter((o) => !o.metadata.deletionTimestamp))) {
    const type = byKind.get(`${obj.apiVersion}/${obj.kind}`)!;
    try {
      await ctx.client.delete(type, obj.metadata.namespace, obj.metadata.name!, { propagationPolicy: 'Background', preconditions: { uid: obj.metadata.uid } });
      ctx.log.info({ object: objectKey(obj) }, 'pruned');
      void ctx.events.record({ apiVersion: faceOf(app).apiVersion, kind: 'Application', metadata: { name: app.name, namespace: app.namespace } }, 'Normal', 'Pruned', `${objectKey(obj)} is no longer in git`);
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
  return stale.length;
}

/** The desired objects in the order they are applied (by their objects' sync order). */
function inSyncOrder(objects: readonly DesiredObject[]): DesiredObject[] {
  const byObject = new Map(objects.map((d) => [d.object, d]));
  return syncOrder(objects.map((d) => d.object)).map((o) => byObject.get(o)!);
}

/** Pods a Deployment's health depends on (crash loops), from the cache. */
function relatedOf(obj: KubeObject, ctx: ReconcileContext): { pods?: KubeObject[] } {
  if (obj.kind !== 'Deployment') return {};
  const rsUids = new Set(ctx.cache(REPLICASETS).filter((rs) => rs.metadata.ownerReferences?.some((r) => r.controller && r.uid === obj.metadata.uid)).map((rs) => rs.metadata.uid));
  return { pods: ctx.cache(PODS).filter((p) => p.metadata.ownerReferences?.some((r) => r.controller && rsUids.has(r.uid))) };
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

function transitionsOfHealth(previous: ApplicationStatus, status: ApplicationStatus, app: KubeObject, opts: ApplicationControllerOptions, ctx: ReconcileContext): void {
  const was = previous.health?.status;
  const is = status.health?.status;
  if (was === is) return;
  const revision = status.sync?.revision;
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
    const revision = status.sync?.revision;
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

function setCondition(status: ApplicationStatus, type: string, message: string, at: string): void {
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
  // A merge patch keeps what it does not mention: fields this pass dropped are sent as null.
  const patch: Record<string, unknown> = { ...status };
  for (const k of Object.keys(previous)) if (!(k in status)) patch[k] = null;
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
