import { NotFoundError, shape, type ImagePolicy, type ImageRepository, type KubeObject } from '@skiff/apimachinery';
import type { Controller, ObjectRef, ReconcileContext } from '@skiff/controller-runtime';
import { IMAGE_POLICIES, IMAGE_REPOSITORIES } from './imageResources.js';
import { latestTag } from './latestTag.js';
import { rfc3339, withReady } from './readyCondition.js';
import { writeStatus } from './writeStatus.js';

/**
 * Flux's image-reflector-controller, ImagePolicy half: chooses the latest tag among those the
 * ImageRepository's last scan found, by the policy, and records `<image>:<tag>` as
 * `status.latestImage`. Woken by its repository's scans; no clock of its own. A repository in
 * another namespace is refused (Flux asks for an `accessFrom` grant; Skiff has none yet).
 */
export function imagePolicyController(): Controller {
  return {
    name: 'imagepolicy',
    for: IMAGE_POLICIES,
    concurrency: 2,
    watches: [{ type: IMAGE_REPOSITORIES, map: (repo, ctx) => policiesOf(repo, ctx.cache(IMAGE_POLICIES)) }],
    reconcile: (ref, ctx) => reconcileImagePolicy(ref, ctx),
  };
}

function policiesOf(repo: KubeObject, policies: readonly KubeObject[]): ObjectRef[] {
  return policies
    .filter((p) => {
      const ref = shape<ImagePolicy>(p).spec?.imageRepositoryRef;
      return ref?.name === repo.metadata.name && (ref.namespace ?? p.metadata.namespace) === repo.metadata.namespace;
    })
    .map((p) => ({ namespace: p.metadata.namespace, name: p.metadata.name! }));
}

type Choice = { ok: true; image: string; tag: string; repository: string } | { ok: false; reason: string; message: string };

export async function reconcileImagePolicy(ref: ObjectRef, ctx: ReconcileContext): Promise<void> {
  let obj: KubeObject;
  try {
    obj = await ctx.client.get(IMAGE_POLICIES, ref.namespace, ref.name);
  } catch (err) {
    if (err instanceof NotFoundError) return;
    throw err;
  }
  const policy = shape<ImagePolicy>(obj);
  const choice = await choose(ctx, policy);
  const status = policy.status ?? {};
  const at = rfc3339(ctx.now());
  const generation = obj.metadata.generation;
  if (!choice.ok) {
    // The last choice stays: an automation keeps the image it has rather than losing it.
    await writeStatus(ctx, IMAGE_POLICIES, obj, { ...status, observedGeneration: generation, conditions: withReady(status.conditions, false, choice.reason, choice.message, at, generation) });
    return;
  }
  const latestImage = `${choice.image}:${choice.tag}`;
  const changed = status.latestImage !== undefined && status.latestImage !== latestImage;
  const next = {
    ...status,
    latestImage,
    latestRef: { name: choice.image, tag: choice.tag },
    ...(changed ? { observedPreviousImage: status.latestImage } : {}),
    observedGeneration: generation,
    conditions: withReady(status.conditions, true, 'Succeeded', `Latest image tag for '${choice.image}' resolved to ${choice.tag}`, at, generation),
  };
  if (await writeStatus(ctx, IMAGE_POLICIES, obj, next)) {
    if (status.latestImage !== latestImage) ctx.log.info({ from: status.latestImage, to: latestImage }, 'latest image changed');
    if (changed) void ctx.events.record(obj, 'Normal', 'NewImage', `Latest image changed from ${status.latestImage} to ${latestImage}`);
  }
}

async function choose(ctx: ReconcileContext, policy: ImagePolicy): Promise<Choice> {
  const { name, namespace = policy.metadata.namespace } = policy.spec.imageRepositoryRef;
  if (namespace !== policy.metadata.namespace) return { ok: false, reason: 'AccessDenied', message: `ImageRepository ${namespace}/${name} is in another namespace; cross-namespace references are not allowed` };
  let repo: ImageRepository;
  try {
    repo = shape<ImageRepository>(await ctx.client.get(IMAGE_REPOSITORIES, namespace, name));
  } catch (err) {
    if (err instanceof NotFoundError) return { ok: false, reason: 'DependencyNotReady', message: `ImageRepository ${namespace}/${name} not found` };
    throw err;
  }
  if (!repo.status?.lastScanResult || !repo.status.tags) return { ok: false, reason: 'DependencyNotReady', message: `ImageRepository ${namespace}/${name} has not been scanned yet` };
  const latest = latestTag(repo.status.tags, policy.spec);
  if (!latest.ok) return latest;
  return { ok: true, image: repo.spec.image, tag: latest.tag, repository: name };
}
