import { describe, expect, it } from 'vitest';
import { addQuantities, canonicalQuantity, compareQuantities, formatQuantity, parseExactQuantity } from './exactQuantity.js';

describe('exact quantities', () => {
  it.each([
    ['500m', '500m'],
    ['1000m', '1'],
    ['1', '1'],
    ['0.5', '500m'],
    ['1000', '1k'],
    ['1500', '1500'],
    ['1024Mi', '1Gi'],
    ['1536Mi', '1536Mi'],
    ['0.5Gi', '512Mi'],
    ['512', '512'],
    ['1e3', '1e3'],
    ['128974848', '128974848'],
    ['129e6', '129e6'],
    ['123Mi', '123Mi'],
    [2, '2'],
    ['0', '0'],
  ])('%s prints as %s', (input, printed) => {
    expect(canonicalQuantity(input)).toBe(printed);
  });

  it('rejects what is not a quantity', () => {
    for (const bad of ['', 'abc', '1.2.3', '5Zi', ' 1']) expect(parseExactQuantity(bad)).toBeUndefined();
  });

  it('adds exactly and keeps the first non-zero format', () => {
    const sum = addQuantities(addQuantities(parseExactQuantity('0')!, parseExactQuantity('64Mi')!), parseExactQuantity('64Mi')!);
    expect(formatQuantity(sum)).toBe('128Mi');
    expect(formatQuantity(addQuantities(parseExactQuantity('100m')!, parseExactQuantity('0.2')!))).toBe('300m');
    expect(compareQuantities(parseExactQuantity('1')!, parseExactQuantity('1000m')!)).toBe(0);
    expect(compareQuantities(parseExactQuantity('1Ki')!, parseExactQuantity('1k')!)).toBe(1);
  });
});
