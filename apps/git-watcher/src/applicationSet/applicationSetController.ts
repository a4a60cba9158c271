import {

  deepEqual,
  InvalidError,
  NotFoundError,
  redactCredentials,
  patchSchemaFor,
  RESOURCES_FINALIZER,
  type ApplicationSetPolicy,
  type KubeObject,
} from '@skiff/apimachinery';
import type { Controller, ObjectRef, ReconcileContext, ReconcileResult } from '@skiff/controller-runtime';
import { driftedFields, readTreeAtCommit } from '@skiff/gitops';
import type { RepoSources } from '../repoSources.js';
import { APPLICATION_SETS, ARGO_APPLICATIONS } from '../resources.js';
import { generateParams, type GitReader } from './generateParams.js';
import { planApplications } from './planApplications.js';
import { renderTemplate, type Params } from './renderTemplate.js';

/** The face RepoSources reports an ApplicationSet's repositories under (one per repository). */
export const APPLICATION_SET_SOURCE = 'applicationset';
const FIELD_MANAGER = 'skiff-applicationset';

export interface ApplicationSetControllerOptions {
  sources: RepoSources;
}

interface Condition {
  type: string;
  status: 'True' | 'False';
  reason: string;
  message: string;
  lastTransitionTime?: string;
}

/**
 * The ApplicationSet controller: each pass generates the parameter sets (reading git through the
 * same RepoSources as Applications, so a commit to a local repository wakes it), renders the
 * template once per set, and creates, updates and deletes the Applications it owns as its policy
 * allows. Generated Applications carry an ownerReference to the ApplicationSet (so the garbage
 * collector deletes them with it, and a deleted one wakes it to be made again).
 */
export function applicationSetController(opts: ApplicationSetControllerOptions): Controller {
  return {
    name: 'applicationset',
    for: APPLICATION_SETS,
    owns: [ARGO_APPLICATIONS],
    concurrency: 2,
    reconcile: (ref, ctx) => reconcileApplicationSet(ref, ctx, opts),
  };
}

export async function reconcileApplicationSet(ref: ObjectRef, ctx: ReconcileContext, opts: ApplicationSetControllerOptions): Promise<ReconcileResult | void> {
  let set: KubeObject;
  try {
    set = await ctx.client.get(APPLICATION_SETS, ref.namespace, ref.name);
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    opts.sources.forgetWhere((o) => o.namespace === ref.namespace && o.name === ref.name && !!o.face?.startsWith(APPLICATION_SET_SOURCE));
    return;
  }
  if (set.metadata.deletionTimestamp) return;
  const spec = (set.spec ?? {}) as { generators?: Record<string, unknown>[]; template?: Record<string, unknown>; goTemplate?: boolean; syncPolicy?: { applicationsSync?: ApplicationSetPolicy; preserveResourcesOnDeletion?: boolean } };
  const goTemplate = spec.goTemplate === true;
  const namespace = set.metadata.namespace!;

  // 1. Parameters.
  const { reader, requeueAfterMs } = gitReader(ctx, opts.sources, set);
  const params: Params[] = [];
  for (const g of spec.generators ?? []) {
    const r = await generateParams(g, reader, goTemplate);
    if (!r.ok) return writeStatus(ctx, set, [errorOccurred(r.message), cond('ParametersGenerated', 'False', 'ErrorOccurred', r.message), cond('ResourcesUpToDate', 'False', 'ErrorOccurred', r.message)], undefined, retryAfter(requeueAfterMs.value));
    params.push(...r.params);
  }

  // 2. One Application per parameter set.
  const desired: KubeObject[] = [];
  for (const p of params) {
    const rendered = renderTemplate(spec.template ?? {}, p, goTemplate);
    if (!rendered.ok) return writeStatus(ctx, set, [errorOccurred(rendered.message), cond('ParametersGenerated', 'True', 'ParametersGenerated', 'Successfully generated parameters for all Applications'), cond('ResourcesUpToDate', 'False', 'ErrorOccurred', rendered.message)]);
    desired.push(applicationOf(set, rendered.value as { metadata?: KubeObject['metadata']; spec?: unknown }, spec.syncPolicy?.preserveResourcesOnDeletion === true));
  }
  const names = desired.map((a) => a.metadata.name ?? '');
  const problem = names.find((n) => !n) !== undefined ? 'a generated Application has no metadata.name' : names.find((n, i) => names.indexOf(n) !== i) ? `two parameter sets generate the Application ${names.find((n, i) => names.indexOf(n) !== i)}` : undefined;
  if (problem) return writeStatus(ctx, set, [errorOccurred(problem), cond('ParametersGenerated', 'True', 'ParametersGenerated', 'Successfully generated parameters for all Applications'), cond('ResourcesUpToDate', 'False', 'ErrorOccurred', problem)]);

  // 3. Converge the owned Applications under the policy.
  const all = (await ctx.client.list(ARGO_APPLICATIONS, { namespace })).items;
  const owned = all.filter((a) => ownedBy(a, set));
  const foreign = desired.filter((d) => all.some((a) => a.metadata.name === d.metadata.name && !ownedBy(a, set)));
  if (foreign.length) {
    const message = `Application ${foreign.map((a) => a.metadata.name).join(', ')} already exists in namespace ${namespace} and is not owned by ApplicationSet ${set.metadata.name}`;
    return writeStatus(ctx, set, [errorOccurred(message), cond('ParametersGenerated', 'True', 'ParametersGenerated', 'Successfully generated parameters for all Applications'), cond('ResourcesUpToDate', 'False', 'ErrorOccurred', message)]);
  }
  const policy = spec.syncPolicy?.applicationsSync ?? 'sync';
  const plan = planApplications(desired, owned, policy, (d, live) => driftedFields(d, live, patchSchemaFor(d.apiVersion, d.kind)).length > 0);
  for (const app of [...plan.create, ...plan.update]) {
    try {
      await ctx.client.patch(ARGO_APPLICATIONS, namespace, app.metadata.name!, app, 'apply', { fieldManager: FIELD_MANAGER, force: true });
    } catch (err) {
      // A template that renders an invalid Application will not become valid by retrying: say so.
      if (!(err instanceof InvalidError)) throw err;
      const message = `Application ${app.metadata.name}: ${err.message}`;
      return writeStatus(ctx, set, [errorOccurred(message), cond('ParametersGenerated', 'True', 'ParametersGenerated', 'Successfully generated parameters for all Applications'), cond('ResourcesUpToDate', 'False', 'ErrorOccurred', message)]);
    }
    ctx.log.info({ application: app.metadata.name }, plan.create.includes(app) ? 'application created' : 'application updated');
  }
  for (const app of plan.delete) await deleteApplication(ctx, app, spec.syncPolicy?.preserveResourcesOnDeletion === true);

  const resources = desired.map((a) => ({ apiVersion: a.apiVersion, kind: a.kind, name: a.metadata.name, namespace }));
  return writeStatus(
    ctx,
    set,
    [
      cond('ErrorOccurred', 'False', 'ApplicationSetUpToDate', 'All applications have been generated successfully'),
      cond('ParametersGenerated', 'True', 'ParametersGenerated', 'Successfully generated parameters for all Applications'),
      cond('ResourcesUpToDate', 'True', 'ApplicationSetUpToDate', 'All applications have been generated successfully'),
    ],
    resources,
    requeueAfterMs.value,
  );
}

/**
 * Git generators read through RepoSources, each repository under its own watch key, so a commit
 * to a local repository enqueues this ApplicationSet (and a remote one is fetched on its interval).
 */
function gitReader(ctx: ReconcileContext, sources: RepoSources, set: KubeObject): { reader: GitReader; requeueAfterMs: { value?: number } } {
  const repos: string[] = [];
  const requeueAfterMs: { value?: number } = {};
  const reader: GitReader = {
    async tree(repoURL, revision) {
      const key = `${repoURL}#${revision}`;
      if (!repos.includes(key)) repos.push(key);
      const owner = { namespace: set.metadata.namespace!, name: set.metadata.name!, face: `${APPLICATION_SET_SOURCE}:${repos.indexOf(key)}` };
      const source = await sources.resolve(owner, { source: { repoURL, targetRevision: revision } }, set.metadata.annotations ?? {}, ctx.now());
      if (!source.ok) {
        requeueAfterMs.value = source.retryAfterMs;
        return { ok: false, message: source.message };
      }
      if (source.requeueAfterMs !== undefined) requeueAfterMs.value = Math.min(requeueAfterMs.value ?? Infinity, source.requeueAfterMs);
      const tree = await readTreeAtCommit(source.gitdir, source.sha);
      return tree.ok ? tree : { ok: false, message: `repository ${redactCredentials(repoURL)} at ${revision}: ${tree.errors.map((e) => e.message).join('; ')}` };
    },
  };
  return { reader, requeueAfterMs };
}

/**
 * The Application a rendered template describes, in the ApplicationSet's namespace, owned by it.
 * Unless the ApplicationSet preserves resources, it carries the resources finalizer, as Argo CD's
 * generated Applications do: deleting it (a folder gone from git, or the ApplicationSet deleted
 * and its Applications collected) deletes what it deployed.
 */
function applicationOf(set: KubeObject, template: { metadata?: KubeObject['metadata']; spec?: unknown }, preserveResources: boolean): KubeObject {
  const meta = template.metadata ?? {};
  const finalizers = preserveResources ? meta.finalizers : [...new Set([...(meta.finalizers ?? []), RESOURCES_FINALIZER])];
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: {
      name: meta.name,
      namespace: set.metadata.namespace,
      ...(meta.labels ? { labels: meta.labels } : {}),
      ...(meta.annotations ? { annotations: meta.annotations } : {}),
      ...(finalizers?.length ? { finalizers } : {}),
      ownerReferences: [{ apiVersion: 'argoproj.io/v1alpha1', kind: 'ApplicationSet', name: set.metadata.name!, uid: set.metadata.uid!, controller: true, blockOwnerDeletion: true }],
    },
    spec: template.spec as KubeObject['spec'],
  };
}

function ownedBy(app: KubeObject, set: KubeObject): boolean {
  return !!app.metadata.ownerReferences?.some((r) => r.controller && r.uid === set.metadata.uid);
}

/**
 * Deletes a generated Application that no parameter set asks for. With preserveResourcesOnDeletion
 * its resources finalizer is removed first, so its objects stay in the cluster.
 */
async function deleteApplication(ctx: ReconcileContext, app: KubeObject, preserve: boolean): Promise<void> {
  try {
    if (preserve && app.metadata.finalizers?.includes(RESOURCES_FINALIZER)) {
      await ctx.client.patch(ARGO_APPLICATIONS, app.metadata.namespace, app.metadata.name!, { metadata: { resourceVersion: app.metadata.resourceVersion, finalizers: app.metadata.finalizers.filter((f) => f !== RESOURCES_FINALIZER) } }, 'merge');
    }
    await ctx.client.delete(ARGO_APPLICATIONS, app.metadata.namespace, app.metadata.name!, { preconditions: { uid: app.metadata.uid } });
    ctx.log.info({ application: app.metadata.name }, 'application deleted');
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
}

function cond(type: string, status: 'True' | 'False', reason: string, message: string): Condition {
  return { type, status, reason, message };
}

function errorOccurred(message: string): Condition {
  return cond('ErrorOccurred', 'True', 'ApplicationGenerationFromParamsError', message);
}

function retryAfter(ms: number | undefined): number {
  return ms ?? 5000;
}

/** Writes conditions (keeping each one's transition time while it holds) and resources, when they changed. */
async function writeStatus(ctx: ReconcileContext, set: KubeObject, conditions: Condition[], resources?: unknown[], requeueAfterMs?: number): Promise<ReconcileResult | void> {
  const previous = (set.status ?? {}) as { conditions?: Condition[]; resources?: unknown[] };
  const at = ctx.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
  const next = conditions.map((c) => {
    const was = previous.conditions?.find((p) => p.type === c.type);
    return { ...c, lastTransitionTime: was && was.status === c.status && was.message === c.message ? was.lastTransitionTime : at };
  });
  const status = { conditions: next, resources: resources ?? previous.resources ?? [] };
  if (!deepEqual(status, { conditions: previous.conditions, resources: previous.resources ?? [] })) {
    try {
      await ctx.client.patch(APPLICATION_SETS, set.metadata.namespace, set.metadata.name!, { status }, 'merge', { subresource: 'status' });
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
    const error = next.find((c) => c.type === 'ErrorOccurred' && c.status === 'True');
    if (error) ctx.log.warn({ message: error.message }, 'applicationset error');
  }
  return requeueAfterMs !== undefined ? { requeueAfterMs } : undefined;
}

