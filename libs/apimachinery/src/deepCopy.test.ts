import { describe, expect, it } from 'vitest';
import { deepCopy } from './deepCopy.js';

describe('deepCopy', () => {
  it.each([
    ['a pod as decoded', JSON.parse('{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"a":"b"}},"spec":{"containers":[{"name":"c","ports":[{"containerPort":80}]}],"x":[1,-0,2.5,true,null,"s",[[]],{}]}}')],
    ['scalars', 'text'],
    ['null', null],
    ['members that are undefined, kept as members', { a: undefined, b: [undefined, 1] }],
    ['a Date and a Map inside, copied as structuredClone copies them', { at: new Date(0), m: new Map([['k', { v: 1 }]]) }],
  ])('copies %s as structuredClone does', (_name, value) => {
    const copied = deepCopy(value);
    expect(copied).toStrictEqual(structuredClone(value));
    if (value !== null && typeof value === 'object') expect(copied).not.toBe(value);
  });

  it('shares nothing with the original', () => {
    const original = { metadata: { labels: { a: 'b' } }, items: [{ n: 1 }] };
    const copied = deepCopy(original);
    copied.metadata.labels.a = 'changed';
    copied.items[0].n = 2;
    copied.items.push({ n: 3 });
    expect(original).toEqual({ metadata: { labels: { a: 'b' } }, items: [{ n: 1 }] });
  });

  it('keeps a "__proto__" key JSON.parse made as an own key, not as the prototype', () => {
    const copied = deepCopy(JSON.parse('{"__proto__":{"polluted":true},"a":1}') as Record<string, unknown>);
    expect(Object.getPrototypeOf(copied)).toBe(Object.prototype);
    expect(Object.keys(copied)).toEqual(['__proto__', 'a']);
    expect(JSON.stringify(copied)).toBe('{"__proto__":{"polluted":true},"a":1}');
  });

  it('refuses a function as structuredClone does', () => {
    expect(() => deepCopy({ f: () => 1 })).toThrow(/could not be cloned/);
  });
});
