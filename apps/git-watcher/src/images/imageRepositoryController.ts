import { goRegExp, NotFoundError, parseGoDuration, shape, type ImageRepository, type KubeObject } from '@skiff/apimachinery';
import type { Controller, ObjectRef, ReconcileContext, ReconcileResult } from '@skiff/controller-runtime';
import { listTags, parseImageReference, RegistryError, RegistryUnreachableError } from '@skiff/oci';
import { IMAGE_REPOSITORIES, SECRETS } from './imageResources.js';
import { rfc3339, withReady } from './readyCondition.js';
import { registryCredentials, type RegistryLogin } from './registryCredentials.js';
import { writeStatus } from './writeStatus.js';

/** Flux keeps the ten last tags (reverse alphabetical) in the status for people to read. */
const LATEST_TAGS = 10;
/** A failed scan is tried again sooner than a long interval would. */
const RETRY_MS = 10_000;

export type ScanResult = { ok: true; tags: string[] } | { ok: false; reason: string; message: string };

/** How long a scan may take when `spec.timeout` does not say (Flux's default is the interval; a minute bounds a long one). */
const SCAN_TIMEOUT_MS = 60_000;

/**
 * Flux's image-reflector-controller, ImageRepository half: every `interval` it lists the tags of
 * `spec.image` from the registry (OCI distribution API, credentials from `secretRef`), drops
 * those matching `exclusionList`, and records them in the status, which wakes the
 * ImagePolicies of the repository. A pass before the interval is up (a restart, a resync) scans
 * nothing; a changed spec scans at once.
 */
export function imageRepositoryController(): Controller {
  return {
    name: 'imagerepository',
    for: IMAGE_REPOSITORIES,
    concurrency: 2,
    watches: [{ type: SECRETS, map: (secret, ctx) => repositoriesUsing(secret, ctx.cache(IMAGE_REPOSITORIES)) }],
    reconcile: (ref, ctx) => reconcileImageRepository(ref, ctx),
  };
}

function repositoriesUsing(secret: KubeObject, repos: readonly KubeObject[]): ObjectRef[] {
  return repos
    .filter((r) => r.metadata.namespace === secret.metadata.namespace && shape<ImageRepository>(r).spec?.secretRef?.name === secret.metadata.name)
    .map((r) => ({ namespace: r.metadata.namespace, name: r.metadata.name! }));
}

/** Docker Hub answers the registry API at registry-1.docker.io, not at the name images use. */
function registryHost(domain: string): string {
  return domain === 'docker.io' ? 'registry-1.docker.io' : domain;
}

export async function reconcileImageRepository(ref: ObjectRef, ctx: ReconcileContext): Promise<ReconcileResult | void> {
  let obj: KubeObject;
  try {
    obj = await ctx.client.get(IMAGE_REPOSITORIES, ref.namespace, ref.name);
  } catch (err) {
    if (err instanceof NotFoundError) return;
    throw err;
  }
  const repo = shape<ImageRepository>(obj);
  if (repo.spec.suspend) return;
  const intervalMs = parseGoDuration(repo.spec.interval) ?? 60_000;
  const now = ctx.now();
  const status = repo.status ?? {};
  const scannedAt = status.lastScanResult ? Date.parse(status.lastScanResult.scanTime) : NaN;
  const sameSpec = status.observedGeneration === obj.metadata.generation;
  if (sameSpec && status.conditions?.find((c) => c.type === 'Ready')?.status === 'True' && scannedAt + intervalMs > now.getTime()) {
    return { requeueAfterMs: scannedAt + intervalMs - now.getTime() };
  }

  const scan = await scanRepository(ctx, repo);
  const at = rfc3339(now);
  if (!scan.ok) {
    ctx.log.warn({ image: repo.spec.image, reason: scan.reason }, `scan failed: ${scan.message}`);
    await writeStatus(ctx, IMAGE_REPOSITORIES, obj, { ...status, observedGeneration: obj.metadata.generation, conditions: withReady(status.conditions, false, scan.reason, scan.message, at, obj.metadata.generation) });
    return { requeueAfterMs: Math.min(intervalMs, RETRY_MS) };
  }
  const exclusions = (repo.spec.exclusionList ?? []).map((p) => goRegExp(p));
  const tags = [...new Set(scan.tags.filter((t) => !exclusions.some((re) => re.test(t))))].sort();
  const parsed = parseImageReference(repo.spec.image);
  const next = {
    ...(parsed.ok ? { canonicalImageName: `${parsed.domain}/${parsed.path}` } : {}),
    lastScanResult: { tagCount: tags.length, scanTime: at, latestTags: [...tags].reverse().slice(0, LATEST_TAGS) },
    tags,
    observedGeneration: obj.metadata.generation,
    observedExclusionList: repo.spec.exclusionList ?? [],
    conditions: withReady(status.conditions, true, 'Succeeded', `successful scan: found ${tags.length} tags`, at, obj.metadata.generation),
  };
  if (JSON.stringify(status.tags ?? []) !== JSON.stringify(tags)) ctx.log.info({ image: repo.spec.image, tags: tags.length }, 'tags changed');
  await writeStatus(ctx, IMAGE_REPOSITORIES, obj, next);
  return { requeueAfterMs: intervalMs };
}

async function scanRepository(ctx: ReconcileContext, repo: ImageRepository): Promise<ScanResult> {
  const parsed = parseImageReference(repo.spec.image);
  if (!parsed.ok) return { ok: false, reason: 'InvalidImage', message: parsed.message };
  let login: RegistryLogin | undefined;
  if (repo.spec.secretRef) {
    let secret: KubeObject;
    try {
      secret = await ctx.client.get(SECRETS, repo.metadata.namespace, repo.spec.secretRef.name);
    } catch (err) {
      if (err instanceof NotFoundError) return { ok: false, reason: 'AuthenticationFailed', message: `secret ${repo.metadata.namespace}/${repo.spec.secretRef.name} not found` };
      throw err;
    }
    const credentials = registryCredentials(secret.data as Record<string, string> | undefined, parsed.domain);
    if (!credentials.ok) return { ok: false, reason: 'AuthenticationFailed', message: `secret ${repo.metadata.namespace}/${repo.spec.secretRef.name}: ${credentials.message}` };
    login = credentials.login;
  }
  try {
    const timeoutMs = (repo.spec.timeout && parseGoDuration(repo.spec.timeout)) || SCAN_TIMEOUT_MS;
    const tags = await listTags({ registry: registryHost(parsed.domain), repository: parsed.path, auth: login, insecure: repo.spec.insecure, signal: AbortSignal.timeout(timeoutMs) });
    return { ok: true, tags };
  } catch (err) {
    if (err instanceof RegistryError) return { ok: false, reason: err.status === 401 || err.status === 403 ? 'AuthenticationFailed' : 'ReadOperationFailed', message: err.message };
    if (err instanceof RegistryUnreachableError) return { ok: false, reason: 'ReadOperationFailed', message: err.message };
    if ((err as Error).name === 'TimeoutError') return { ok: false, reason: 'ReadOperationFailed', message: `listing the tags of ${repo.spec.image} timed out` };
    throw err;
  }
}
