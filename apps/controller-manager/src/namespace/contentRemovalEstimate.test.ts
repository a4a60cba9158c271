import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { CONTENT_RECHECK_MS, contentRemovalEstimate } from './contentRemovalEstimate.js';

function obj(deletionTimestamp?: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', ...(deletionTimestamp ? { deletionTimestamp } : {}) } };
}
const NOW = new Date('2024-01-01T12:00:10Z');

describe('contentRemovalEstimate', () => {
  it.each<[string, KubeObject[], number]>([
    ['a pod with 20 s of grace left', [obj('2024-01-01T12:00:30Z')], 20_000],
    ['the longest grace wins', [obj('2024-01-01T12:00:30Z'), obj('2024-01-01T12:00:40Z')], 30_000],
    ['a grace period already over', [obj('2024-01-01T12:00:00Z')], CONTENT_RECHECK_MS],
    ['an object held by a finalizer, not terminating yet', [obj()], CONTENT_RECHECK_MS],
  ])('%s', (_what, left, expected) => {
    expect(contentRemovalEstimate(left, NOW)).toBe(expected);
  });
});
