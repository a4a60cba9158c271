import { describe, expect, it } from 'vitest';
import { encodeJson, wantsPretty } from './negotiate.js';
import { boolParam, int64Param, optionalBoolParam } from './queryParams.js';

describe('query parameters as Kubernetes reads them', () => {
  it.each([
    [undefined, false],
    ['0', false],
    ['false', false],
    ['False', false],
    ['FALSE', false],
    ['fAlSe', false],
    ['1', true],
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['t', true],
    ['yes', true],
    ['', true],
  ])('boolParam(%o) is %o', (value, expected) => {
    expect(boolParam(value)).toBe(expected);
  });

  it('optionalBoolParam keeps absence', () => {
    expect([optionalBoolParam(undefined), optionalBoolParam('False'), optionalBoolParam('1')]).toEqual([undefined, false, true]);
  });

  it.each([
    ['10', 10],
    ['+10', 10],
    ['-1', -1],
    ['007', 7],
    ['9223372036854775807', 9223372036854775807],
  ])('int64Param(%o) is %o', (value, expected) => {
    expect(int64Param(value)).toBe(expected);
  });

  it.each([
    ['', 'strconv.ParseInt: parsing "": invalid syntax'],
    ['abc', 'strconv.ParseInt: parsing "abc": invalid syntax'],
    ['1.5', 'strconv.ParseInt: parsing "1.5": invalid syntax'],
    [' 1', 'strconv.ParseInt: parsing " 1": invalid syntax'],
    ['9223372036854775808', 'strconv.ParseInt: parsing "9223372036854775808": value out of range'],
  ])('int64Param(%o) is a 400: %s', (value, message) => {
    expect(() => int64Param(value)).toThrow(message);
  });

  it.each([
    ['1', undefined, true],
    ['T', undefined, true],
    ['True', undefined, true],
    ['yes', undefined, false],
    ['0', 'curl/8.5.0', false],
    [undefined, 'curl/8.5.0', true],
    [undefined, 'Wget/1.21', true],
    [undefined, 'Mozilla/5.0 (X11)', true],
    [undefined, 'kubectl/v1.32.0', false],
  ])('pretty=%o with User-Agent %o is %o', (pretty, userAgent, expected) => {
    expect(wantsPretty(pretty, userAgent)).toBe(expected);
  });
});

describe('encodeJson writes what Go encoding/json writes', () => {
  it('compact with a newline, HTML characters and line separators escaped', () => {
    expect(encodeJson({ a: '<b>&</b>', c: '\u2028\u2029' })).toBe('{"a":"\\u003cb\\u003e\\u0026\\u003c/b\\u003e","c":"\\u2028\\u2029"}\n');
  });

  it('indented by two spaces, without a newline', () => {
    expect(encodeJson({ a: [1], b: {} }, true)).toBe('{\n  "a": [\n    1\n  ],\n  "b": {}\n}');
  });
});
