import { describe, expect, it } from 'vitest';
import { BadRequestError } from './errors.js';
import { matchesLabels, parseLabelSelector, selectorFromLabelSelector, selectorToString } from './labelSelector.js';

describe('parseLabelSelector + matchesLabels', () => {
  it.each([
    ['', { app: 'web' }, true],
    ['app=web', { app: 'web' }, true],
    ['app==web', { app: 'web' }, true],
    ['app=web', { app: 'db' }, false],
    ['app!=web', { app: 'db' }, true],
    ['app!=web', {}, true],
    ['tier in (front, back)', { tier: 'back' }, true],
    ['tier in (front,back)', { tier: 'db' }, false],
    ['tier notin (front)', {}, true],
    ['tier notin (front)', { tier: 'front' }, false],
    ['app', { app: '' }, true],
    ['app', {}, false],
    ['!app', {}, true],
    ['!app', { app: 'x' }, false],
    ['app=web,tier in (a,b),!legacy', { app: 'web', tier: 'b' }, true],
    ['app=web,tier in (a,b),!legacy', { app: 'web', tier: 'b', legacy: 'y' }, false],
    ['example.com/role=api', { 'example.com/role': 'api' }, true],
  ])('%j against %j is %s', (text, labels, expected) => {
    expect(matchesLabels(parseLabelSelector(text), labels)).toBe(expected);
  });

  it.each(['app=', '=web', 'app in ()', 'app in (a', 'a b c', 'app=we b', 'app=@'].filter((t) => t !== 'app='))('%j is a 400', (text) => {
    expect(() => parseLabelSelector(text)).toThrow(BadRequestError);
  });

  it('an empty value is allowed, as in Kubernetes', () => {
    expect(matchesLabels(parseLabelSelector('app='), { app: '' })).toBe(true);
  });
});

describe('the object form', () => {
  it.each([
    [{ matchLabels: { app: 'web' } }, { app: 'web', x: 'y' }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['a'] }] }, { tier: 'a' }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['a'] }] }, { tier: 'a' }, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, {}, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, {}, true],
  ])('%j against %j is %s', (sel, labels, expected) => {
    expect(matchesLabels(selectorFromLabelSelector(sel), labels)).toBe(expected);
  });

  it('prints like Kubernetes (Scale status.selector)', () => {
    expect(selectorToString(selectorFromLabelSelector({ matchLabels: { b: '2', a: '1' }, matchExpressions: [{ key: 'c', operator: 'In', values: ['y', 'x'] }] }))).toBe('a=1,b=2,c in (x,y)');
  });
});
