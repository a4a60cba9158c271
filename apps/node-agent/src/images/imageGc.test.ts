import { describe, expect, it } from 'vitest';
import { planImageGc, type GcImage } from './imageGc.js';

const MB = 1024 * 1024;
const img = (id: string, sizeMb: number, lastUsedMs: number, pinned = false): GcImage => ({ id, sizeBytes: sizeMb * MB, lastUsedMs, pinned });
const policy = { highThresholdPercent: 85, lowThresholdPercent: 80 };

describe('planImageGc', () => {
  const images = [img('a', 10, 300), img('b', 20, 100), img('c', 30, 200), img('pause', 1, 0, true)];

  it('removes nothing below the high threshold', () => {
    expect(planImageGc(images, new Set(), 84 * MB, 100 * MB, policy)).toEqual([]);
  });

  it('removes unused images, least recently used first, until under the low threshold', () => {
    // 90 % used: 10 MB must go; b (oldest) frees 20 MB.
    expect(planImageGc(images, new Set(), 90 * MB, 100 * MB, policy).map((i) => i.id)).toEqual(['b']);
    // 99 % used: 19 MB must go; b (20 MB) is enough.
    expect(planImageGc(images, new Set(), 99 * MB, 100 * MB, policy).map((i) => i.id)).toEqual(['b']);
  });

  it('never removes images in use or pinned ones, even when that is not enough', () => {
    expect(planImageGc(images, new Set(['b', 'c']), 100 * MB, 100 * MB, policy).map((i) => i.id)).toEqual(['a']);
  });
});
