import { describe, expect, it } from 'vitest';
import { prepareForCreate, rfc3339, timestampParam } from './objectMeta.js';

const now = new Date('2026-11-25T10:00:00.123Z');

describe('rfc3339', () => {
  it('drops milliseconds, as Kubernetes timestamps do', () => {
    expect(rfc3339(now)).toBe('2026-11-25T10:00:00Z');
  });
});

describe('timestampParam', () => {
  it.each<[unknown, string | null]>([
    ['2026-11-25T10:00:00Z', '2026-11-25T10:00:00.000Z'],
    ['not a date', null],
    [undefined, null],
    [42, null],
  ])('%s -> %s', (input, expected) => {
    expect(timestampParam(input)).toBe(expected);
  });
});

describe('prepareForCreate', () => {
  it('fills in uid and creationTimestamp, sets generation 1 for kinds with a spec, and drops resourceVersion', () => {
    const input = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', resourceVersion: '5' }, spec: {} };
    const out = prepareForCreate(input, now, () => 'uid-1');
    expect(out.metadata).toEqual({ name: 'web', uid: 'uid-1', creationTimestamp: '2026-11-25T10:00:00Z', generation: 1 });
    expect(input.metadata).toEqual({ name: 'web', resourceVersion: '5' });
  });

  it('keeps a given uid and creationTimestamp and removes generation from kinds without a spec', () => {
    const out = prepareForCreate({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', uid: 'u', creationTimestamp: '2020-01-01T00:00:00Z', generation: 3 } }, now);
    expect(out.metadata).toEqual({ name: 'cm', uid: 'u', creationTimestamp: '2020-01-01T00:00:00Z' });
  });
});
