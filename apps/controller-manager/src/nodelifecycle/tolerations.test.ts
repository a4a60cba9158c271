import { describe, expect, it } from 'vitest';
import { toleratesTaint, type Taint, type Toleration } from './tolerations.js';

const taint: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };
const valued: Taint = { key: 'dedicated', value: 'gpu', effect: 'NoExecute' };

describe('toleratesTaint', () => {
  it.each<[string, Toleration, Taint, boolean]>([
    ['Exists on the key', { key: 'node.kubernetes.io/unreachable', operator: 'Exists' }, taint, true],
    ['Exists with no key tolerates everything', { operator: 'Exists' }, valued, true],
    ['another effect', { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }, taint, false],
    ['Equal with the value', { key: 'dedicated', value: 'gpu' }, valued, true],
    ['Equal with another value', { key: 'dedicated', operator: 'Equal', value: 'cpu' }, valued, false],
    ['another key', { key: 'other', operator: 'Exists' }, taint, false],
  ])('%s', (_what, toleration, t, expected) => {
    expect(toleratesTaint(toleration, t)).toBe(expected);
  });
});
