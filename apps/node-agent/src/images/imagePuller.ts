import { defaultImagePullPolicy, type KubeObject } from '@skiff/apimachinery';
import { parseImageReference } from '@skiff/oci';
import type { Logger } from 'pino';
import type { EventSink } from '../eventRecorder.js';
import { nextBackoff, type BackoffEntry, type BackoffPolicy } from '../pods/crashLoopBackoff.js';
import type { Container } from '../pods/podSpec.js';
import type { ImageService } from '../runtime/runtime.js';
import type { Clock } from '../time.js';
import { credentialsFor } from './pullSecrets.js';

export type PullFailureReason = 'ErrImagePull' | 'ImagePullBackOff' | 'InvalidImageName' | 'ErrImageNeverPull';

export type EnsureImageResult =
  | { ok: true; imageId: string; uid?: number; username?: string }
  | { ok: false; reason: PullFailureReason; message: string; /** When to try again (ms since the epoch). */ retryAtMs?: number };

interface PullBackoff {
  entry: BackoffEntry;
  failedAtMs: number;
  message: string;
}

/** ErrImagePull is what a failed pull shows for half its back-off (at most 5 s); ImagePullBackOff after that, until the next try. */
function errImagePullUntil(b: { entry: BackoffEntry; failedAtMs: number }): number {
  return b.failedAtMs + Math.min(5000, b.entry.delayMs / 2);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(3).replace(/\.?0+$/, '')}s`;
}

/**
 * The kubelet's image manager: before a container starts, makes sure its image is on the node
 * under the container's pull policy (Always, IfNotPresent, Never; defaulted from the tag), with
 * the pod's imagePullSecrets, and reports what happened the kubelet's way (events Pulling,
 * Pulled, Failed, BackOff; waiting reasons ErrImagePull, ImagePullBackOff, InvalidImageName,
 * ErrImageNeverPull). Failed pulls back off per pod and image (base, doubling, capped).
 */
export class ImagePuller {
  private readonly backoffs = new Map<string, PullBackoff>();

  constructor(
    private readonly deps: { images: ImageService; events: EventSink; backoff: BackoffPolicy; clock: Clock; log: Logger },
  ) {}

  async ensureImage(pod: KubeObject, c: Container & { imagePullPolicy?: string }, pullSecrets: () => Promise<KubeObject[]>, fieldPath: string): Promise<EnsureImageResult> {
    const image = c.image ?? '';
    const ref = parseImageReference(image);
    if (!ref.ok) {
      const message = `Failed to apply default image tag "${image}": ${ref.message}`;
      this.deps.events.record(pod, 'Warning', 'InspectFailed', message, fieldPath);
      return { ok: false, reason: 'InvalidImageName', message };
    }
    const policy = c.imagePullPolicy ?? defaultImagePullPolicy(image);
    const present = policy === 'Always' ? undefined : await this.deps.images.imageStatus(image);
    if (present) {
      this.deps.events.record(pod, 'Normal', 'Pulled', `Container image "${image}" already present on machine`, fieldPath);
      return { ok: true, imageId: present.id, uid: present.uid, username: present.username };
    }
    if (policy === 'Never') {
      const message = `Container image "${image}" is not present with pull policy of Never`;
      this.deps.events.record(pod, 'Warning', 'ErrImageNeverPull', message, fieldPath);
      return { ok: false, reason: 'ErrImageNeverPull', message };
    }

    const key = `${pod.metadata.uid}/${image}`;
    const now = this.deps.clock().getTime();
    const backoff = this.backoffs.get(key);
    if (backoff && now < backoff.failedAtMs + backoff.entry.delayMs) {
      // A sync soon after the failure (our own status write wakes one) still reports the pull error.
      const errUntil = errImagePullUntil(backoff);
      if (now < errUntil) return { ok: false, reason: 'ErrImagePull', message: backoff.message, retryAtMs: errUntil };
      const message = `Back-off pulling image "${image}"`;
      this.deps.events.record(pod, 'Normal', 'BackOff', message, fieldPath);
      this.deps.events.record(pod, 'Warning', 'Failed', 'Error: ImagePullBackOff', fieldPath);
      return { ok: false, reason: 'ImagePullBackOff', message, retryAtMs: backoff.failedAtMs + backoff.entry.delayMs };
    }

    this.deps.events.record(pod, 'Normal', 'Pulling', `Pulling image "${image}"`, fieldPath);
    const started = Date.now();
    try {
      const auth = credentialsFor(ref.domain, await pullSecrets());
      await this.deps.images.pullImage(image, auth);
      const status = await this.deps.images.imageStatus(image);
      const took = seconds(Date.now() - started);
      this.deps.events.record(pod, 'Normal', 'Pulled', `Successfully pulled image "${image}" in ${took} (${took} including waiting). Image size: ${status?.size ?? 0} bytes.`, fieldPath);
      this.backoffs.delete(key);
      if (!status) return { ok: false, reason: 'ErrImagePull', message: `image "${image}" was pulled but the runtime does not list it` };
      return { ok: true, imageId: status.id, uid: status.uid, username: status.username };
    } catch (err) {
      const detail = (err as Error).message.replace(/^pullImage: /, '');
      const message = `Failed to pull image "${image}": ${detail}`;
      const after = this.deps.clock().getTime();
      const entry = nextBackoff(backoff?.entry, after, this.deps.backoff);
      this.backoffs.set(key, { entry, failedAtMs: after, message });
      this.deps.log.info({ pod: `${pod.metadata.namespace}/${pod.metadata.name}`, image, err: detail, retryInMs: entry.delayMs }, 'image pull failed');
      this.deps.events.record(pod, 'Warning', 'Failed', message, fieldPath);
      this.deps.events.record(pod, 'Warning', 'Failed', 'Error: ErrImagePull', fieldPath);
      return { ok: false, reason: 'ErrImagePull', message, retryAtMs: errImagePullUntil({ entry, failedAtMs: after }) };
    }
  }

  /** Forgets the back-off entries of a pod that is gone. */
  forget(podUid: string): void {
    for (const key of this.backoffs.keys()) if (key.startsWith(`${podUid}/`)) this.backoffs.delete(key);
  }
}
