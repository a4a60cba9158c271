import { describe, expect, it } from 'vitest';
import { toleratesTaint, untoleratedTaint, type TaintLike as Taint, type TolerationLike as Toleration } from './tolerations.js';

const gpu: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };

describe('toleratesTaint', () => {
  it.each<[string, Toleration, Taint, boolean]>([
    ['Equal with the same key and value', { key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, gpu, true],
    ['the default operator is Equal', { key: 'dedicated', value: 'gpu' }, gpu, true],
    ['Equal with another value', { key: 'dedicated', operator: 'Equal', value: 'db' }, gpu, false],
    ['Exists ignores the value', { key: 'dedicated', operator: 'Exists' }, gpu, true],
    ['another key', { key: 'team', operator: 'Exists' }, gpu, false],
    ['an empty key with Exists tolerates everything', { operator: 'Exists' }, gpu, true],
    ['an empty effect matches every effect', { key: 'dedicated', operator: 'Exists' }, { ...gpu, effect: 'NoExecute' }, true],
    ['another effect', { key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, gpu, false],
    ['a taint without a value and Equal without one', { key: 'k', operator: 'Equal' }, { key: 'k', effect: 'NoSchedule' }, true],
    ['an empty operator is Equal', { key: 'dedicated', operator: '', value: 'gpu' }, gpu, true],
    ['an unknown operator tolerates nothing', { key: 'dedicated', operator: 'Gt', value: 'gpu' }, gpu, false],
  ])('%s', (_name, toleration, taint, expected) => {
    expect(toleratesTaint(toleration, taint)).toBe(expected);
  });
});


describe('untoleratedTaint', () => {
  const unreachable: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };
  const soft: Taint = { key: 'soft', effect: 'PreferNoSchedule' };
  it('finds the first taint of the given effects no toleration covers', () => {
    expect(untoleratedTaint([soft, gpu, unreachable], [], ['NoSchedule', 'NoExecute'])).toBe(gpu);
    expect(untoleratedTaint([soft, gpu, unreachable], [{ key: 'dedicated', operator: 'Exists' }], ['NoSchedule', 'NoExecute'])).toBe(unreachable);
    expect(untoleratedTaint([soft, gpu, unreachable], [{ key: 'dedicated', operator: 'Exists' }], ['NoSchedule'])).toBeUndefined();
  });
});
