import { statfsSync } from 'node:fs';
import type { Logger } from 'pino';

/**
 * The kubelet's image garbage collection: when the image filesystem is fuller than the high
 * threshold (85 %), images no container uses are removed, least recently used first, until it
 * is below the low threshold (80 %). Images in use, and the pod sandbox image, are never removed.
 */
export interface ImageGcPolicy {
  highThresholdPercent: number;
  lowThresholdPercent: number;
}

export const DEFAULT_IMAGE_GC: ImageGcPolicy = { highThresholdPercent: 85, lowThresholdPercent: 80 };

export interface GcImage {
  id: string;
  sizeBytes: number;
  /** When a container last used it (ms since the epoch); images never seen in use count as oldest. */
  lastUsedMs: number;
  pinned: boolean;
}

/** Which images to remove so that `used` drops below the low threshold of `capacity` (none when under the high one). */
export function planImageGc(images: GcImage[], inUse: Set<string>, usedBytes: number, capacityBytes: number, policy: ImageGcPolicy): GcImage[] {
  if (capacityBytes <= 0 || (usedBytes * 100) / capacityBytes < policy.highThresholdPercent) return [];
  let toFree = usedBytes - (capacityBytes * policy.lowThresholdPercent) / 100;
  const out: GcImage[] = [];
  const candidates = images.filter((i) => !i.pinned && !inUse.has(i.id)).sort((a, b) => a.lastUsedMs - b.lastUsedMs);
  for (const image of candidates) {
    if (toFree <= 0) break;
    out.push(image);
    toFree -= image.sizeBytes;
  }
  return out;
}

export interface ImageGcDeps {
  listImages(): Promise<{ id: string; sizeBytes: number; pinned: boolean }[]>;
  /** Image ids containers (running or not yet removed) use. */
  imagesInUse(): Promise<Set<string>>;
  removeImage(id: string): Promise<void>;
  /** The filesystem the images live on: its mount point (from the runtime's ImageFsInfo). */
  imageFsMountpoint(): Promise<string | undefined>;
  log: Logger;
  policy?: ImageGcPolicy;
  now?: () => number;
}

/** Runs image GC passes; remembers when each image was last seen in use. */
export class ImageGarbageCollector {
  private readonly lastUsed = new Map<string, number>();

  constructor(private readonly deps: ImageGcDeps) {}

  async collect(): Promise<string[]> {
    const now = (this.deps.now ?? Date.now)();
    const mountpoint = await this.deps.imageFsMountpoint();
    if (!mountpoint) return [];
    const fs = statfsSync(mountpoint);
    const capacity = fs.blocks * fs.bsize;
    const used = (fs.blocks - fs.bavail) * fs.bsize;
    const [images, inUse] = await Promise.all([this.deps.listImages(), this.deps.imagesInUse()]);
    for (const id of inUse) this.lastUsed.set(id, now);
    const plan = planImageGc(
      images.map((i) => ({ ...i, lastUsedMs: this.lastUsed.get(i.id) ?? 0 })),
      inUse,
      used,
      capacity,
      this.deps.policy ?? DEFAULT_IMAGE_GC,
    );
    const removed: string[] = [];
    for (const image of plan) {
      try {
        await this.deps.removeImage(image.id);
        removed.push(image.id);
        this.lastUsed.delete(image.id);
        this.deps.log.info({ image: image.id, sizeBytes: image.sizeBytes, usedPercent: Math.round((used * 100) / capacity) }, 'removed an unused image (image filesystem above the GC threshold)');
      } catch (err) {
        this.deps.log.warn({ image: image.id, err: (err as Error).message }, 'removing an unused image failed');
      }
    }
    return removed;
  }
}
