import { deepEqual, matchesLabels, NotFoundError, parseGoDuration, selectorFromLabelSelector, shape, type ImagePolicy, type ImageUpdateAutomation, type KubeObject } from '@skiff/apimachinery';
import type { Controller, ObjectRef, ReconcileContext, ReconcileResult } from '@skiff/controller-runtime';
import { updateFilesOnBranch, type FetchLimits, type FileEdits, type TextFile } from '@skiff/gitops';
import { localRepoPath, specOf } from '../applicationSpec.js';
import type { CredentialLookup } from '../repoCredentials.js';
import { APPLICATIONS } from '../resources.js';
import { REFRESH } from '../tracking.js';
import { applySetters, type PolicyImage } from './applySetters.js';
import { commitMessage, type FileChanges } from './commitMessage.js';
import { IMAGE_POLICIES, IMAGE_UPDATE_AUTOMATIONS } from './imageResources.js';
import { rfc3339, withReady } from './readyCondition.js';
import { writeStatus } from './writeStatus.js';

const YAML_FILE = /\.ya?ml$/i;
/** A failed run (a dirty work tree, a refused push) is tried again sooner than a long interval would. */
const RETRY_MS = 10_000;

export interface ImageUpdateAutomationControllerOptions {
  /** Credentials for pushing to a remote repository (repository Secrets, SKIFF_GIT_USERNAME). */
  credentials?: CredentialLookup;
  /** Time and size limits of each clone and push of a remote repository. */
  fetchLimits?: Partial<FetchLimits>;
}

/**
 * Flux's image-automation-controller with the Setters strategy. Its source is an Application
 * (Skiff has no GitRepository): on its interval, and at once when an ImagePolicy of its namespace
 * chooses a new image, it rewrites the fields marked `# {"$imagepolicy": "<ns>:<policy>[:tag|:name]"}`
 * in the YAML files under `update.path` of the branch, and commits that with the configured author
 * and message: in place for a local repository (whose watcher then syncs it within milliseconds),
 * or pushed for a remote one (whose Application is then refreshed at once). Nothing to change is
 * no commit.
 */
export function imageUpdateAutomationController(opts: ImageUpdateAutomationControllerOptions = {}): Controller {
  return {
    name: 'imageupdateautomation',
    for: IMAGE_UPDATE_AUTOMATIONS,
    concurrency: 2,
    watches: [{ type: IMAGE_POLICIES, map: (policy, ctx) => automationsIn(policy.metadata.namespace, ctx.cache(IMAGE_UPDATE_AUTOMATIONS)) }],
    reconcile: (ref, ctx) => reconcileImageUpdateAutomation(ref, ctx, opts),
  };
}

function automationsIn(namespace: string | undefined, automations: readonly KubeObject[]): ObjectRef[] {
  return automations.filter((a) => a.metadata.namespace === namespace).map((a) => ({ namespace, name: a.metadata.name! }));
}

export async function reconcileImageUpdateAutomation(ref: ObjectRef, ctx: ReconcileContext, opts: ImageUpdateAutomationControllerOptions): Promise<ReconcileResult | void> {
  let obj: KubeObject;
  try {
    obj = await ctx.client.get(IMAGE_UPDATE_AUTOMATIONS, ref.namespace, ref.name);
  } catch (err) {
    if (err instanceof NotFoundError) return;
    throw err;
  }
  const auto = shape<ImageUpdateAutomation>(obj);
  if (auto.spec.suspend) return;
  const namespace = obj.metadata.namespace!;
  const generation = obj.metadata.generation;
  const intervalMs = parseGoDuration(auto.spec.interval) ?? 60_000;
  const now = ctx.now();
  const status = auto.status ?? {};
  const policies = await policyImages(ctx, namespace, auto);
  const observedPolicies = Object.fromEntries([...policies].map(([key, image]) => [key.slice(namespace.length + 1), image]));

  // Level-triggered, on a clock: run when the interval is up, the spec or a policy's choice
  // changed, or a failed run is due for a retry; otherwise only wait for the next run.
  const lastRun = status.lastAutomationRunTime ? Date.parse(status.lastAutomationRunTime) : NaN;
  const ready = status.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  const wait = (ready ? intervalMs : Math.min(intervalMs, RETRY_MS)) - (now.getTime() - lastRun);
  if (wait > 0 && status.observedGeneration === generation && deepEqual(status.observedPolicies ?? {}, observedPolicies)) return { requeueAfterMs: wait };

  const at = rfc3339(now);
  const fail = async (reason: string, message: string): Promise<ReconcileResult> => {
    ctx.log.warn({ reason }, `image update failed: ${message}`);
    await writeStatus(ctx, IMAGE_UPDATE_AUTOMATIONS, obj, { ...status, lastAutomationRunTime: at, observedGeneration: generation, observedPolicies, conditions: withReady(status.conditions, false, reason, message, at, generation) });
    return { requeueAfterMs: Math.min(intervalMs, RETRY_MS) };
  };

  if (policies.size === 0) {
    // Nothing could change: no clone, no push, no commit.
    await writeStatus(ctx, IMAGE_UPDATE_AUTOMATIONS, obj, { ...status, lastAutomationRunTime: at, observedGeneration: generation, observedPolicies, conditions: withReady(status.conditions, true, 'Succeeded', 'no ImagePolicy has chosen an image yet', at, generation) });
    return { requeueAfterMs: intervalMs };
  }
  const source = auto.spec.sourceRef;
  let app: KubeObject;
  try {
    app = await ctx.client.get(APPLICATIONS, source.namespace ?? namespace, source.name);
  } catch (err) {
    if (err instanceof NotFoundError) return fail('SourceNotFound', `Application ${source.namespace ?? namespace}/${source.name} not found`);
    throw err;
  }
  const appSource = specOf(app).source;
  const target = appSource.targetRevision;
  const checkoutBranch = auto.spec.git?.checkout?.ref?.branch ?? (target && target !== 'HEAD' ? target : undefined);
  const author = auto.spec.git!.commit.author;
  const automation = `${namespace}/${obj.metadata.name}`;
  const result = await updateFilesOnBranch({
    url: appSource.repoURL,
    checkoutBranch,
    pushBranch: auto.spec.git?.push?.branch,
    dir: auto.spec.update?.path ?? '.',
    pattern: YAML_FILE,
    author: { name: author.name ?? 'Skiff image automation', email: author.email, timestamp: Math.floor(now.getTime() / 1000) },
    auth: localRepoPath(appSource.repoURL) ? undefined : await opts.credentials?.(appSource.repoURL),
    limits: opts.fetchLimits,
    edit: (files) => planEdits(files, policies, automation, auto.spec.git?.commit.messageTemplate),
  });
  if (!result.ok) return fail(result.errors[0].code === 'Unsupported' ? 'InvalidUpdate' : 'GitOperationFailed', result.errors.map((e) => e.message).join('; '));

  const next: NonNullable<ImageUpdateAutomation['status']> = {
    ...status,
    lastAutomationRunTime: at,
    observedGeneration: generation,
    observedPolicies,
    observedSourceRevision: result.committed ? result.sha : result.base,
    conditions: withReady(status.conditions, true, 'Succeeded', result.committed ? `committed and pushed commit '${result.sha.slice(0, 7)}' to branch '${result.branch}'` : 'repository up-to-date', at, generation),
  };
  if (result.committed) {
    next.lastPushCommit = result.sha;
    next.lastPushTime = at;
    ctx.log.info({ commit: result.sha, branch: result.branch, files: result.changed }, 'committed image update');
    void ctx.events.record(obj, 'Normal', 'Succeeded', `Committed and pushed change ${result.sha.slice(0, 7)} to ${result.branch}: ${result.changed.join(', ')}`);
    // A remote repository is fetched on its interval: fetch it now, as a push webhook would.
    if (!localRepoPath(appSource.repoURL)) await ctx.client.patch(APPLICATIONS, app.metadata.namespace, app.metadata.name!, { metadata: { annotations: { [REFRESH]: at } } }).catch(() => undefined);
  }
  await writeStatus(ctx, IMAGE_UPDATE_AUTOMATIONS, obj, next);
  return { requeueAfterMs: intervalMs };
}

/** The images the namespace's ImagePolicies (those `policySelector` picks) chose, by `<ns>:<name>`. */
async function policyImages(ctx: ReconcileContext, namespace: string, auto: ImageUpdateAutomation): Promise<Map<string, PolicyImage>> {
  const list = await ctx.client.list(IMAGE_POLICIES, { namespace });
  const selector = auto.spec.policySelector ? selectorFromLabelSelector(auto.spec.policySelector) : undefined;
  const images = new Map<string, PolicyImage>();
  for (const item of list.items) {
    if (selector && !matchesLabels(selector, item.metadata.labels)) continue;
    const latest = shape<ImagePolicy>(item).status?.latestRef;
    if (latest) images.set(`${namespace}:${item.metadata.name}`, { name: latest.name, tag: latest.tag });
  }
  return new Map([...images].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The Setters strategy over the files offered: their new texts and the commit message. */
export function planEdits(files: readonly TextFile[], policies: ReadonlyMap<string, PolicyImage>, automation: string, template?: string): FileEdits {
  const edited: TextFile[] = [];
  const changes: FileChanges[] = [];
  for (const file of files) {
    const applied = applySetters(file.text, policies);
    if (applied.changes.length === 0) continue;
    edited.push({ path: file.path, text: applied.text });
    changes.push({ path: file.path, changes: applied.changes });
  }
  if (edited.length === 0) return { files: [], message: '' };
  const message = commitMessage(automation, changes, template);
  return message.ok ? { files: edited, message: message.message } : { error: message.message };
}
