import { describe, expect, it } from 'vitest';
import { parseLabels } from './parseLabels.js';

describe('parseLabels', () => {
  it.each([
    ['a=1', { a: '1' }],
    ['a=1,b=2', { a: '1', b: '2' }],
    [' zone=eu , tier=db ', { zone: 'eu', tier: 'db' }],
    ['empty=', { empty: '' }],
    ['', {}],
  ])('%j', (text, labels) => {
    expect(parseLabels(text)).toEqual({ ok: true, labels });
  });
  it.each(['novalue', '=x'])('rejects %j', (text) => {
    expect(parseLabels(text).ok).toBe(false);
  });
});
