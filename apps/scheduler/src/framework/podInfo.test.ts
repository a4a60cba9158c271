import { describe, expect, it } from 'vitest';
import { makePod } from '../testing/builders.js';
import { needsScheduling, parsePod } from './podInfo.js';

describe('needsScheduling', () => {
  it.each<[string, ReturnType<typeof makePod>, boolean]>([
    ['a new pod', makePod(), true],
    ['a bound pod', makePod().node('node-1'), false],
    ['a terminating pod', makePod().terminating(), false],
    ['a finished pod', makePod().phase('Succeeded'), false],
    ["another scheduler's pod", makePod().schedulerName('other'), false],
    ['no schedulerName means ours', makePod().schedulerName(''), true],
  ])('%s', (_name, pod, expected) => {
    expect(needsScheduling(pod.build())).toBe(expected);
  });
});

describe('parsePod', () => {
  it('reads requests, selector, tolerations and the controlling owner', () => {
    const r = parsePod(makePod().cpu('1').nodeSelector({ disk: 'ssd' }).toleration({ operator: 'Exists' }).owner('rs-1').build());
    expect(r).toMatchObject({ ok: true, pod: { requests: { milliCpu: 1000 }, nodeSelector: { disk: 'ssd' }, tolerations: [{ operator: 'Exists' }], ownerUid: 'rs-1' } });
  });

  it.each<[string, unknown[], RegExp]>([
    ['an unknown operator', [{ matchExpressions: [{ key: 'a', operator: 'Bogus', values: ['x'] }] }], /operator: Unsupported value: "Bogus"/],
    ['In without values', [{ matchExpressions: [{ key: 'a', operator: 'In' }] }], /values: Required value/],
    ['Gt with a word', [{ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['many'] }] }], /single integer/],
    ['Exists with values', [{ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }], /Forbidden/],
    ['matchFields on a label', [{ matchFields: [{ key: 'metadata.labels', operator: 'In', values: ['x'] }] }], /supported values: "metadata.name"/],
    ['no key', [{ matchExpressions: [{ operator: 'Exists' }] }], /key: Required value/],
  ])('rejects node affinity with %s', (_name, terms, message) => {
    const r = parsePod(makePod().requiredAffinity(terms).build());
    expect(r.ok).toBe(false);
    expect(!r.ok && r.message).toMatch(message);
    expect(!r.ok && r.message).toMatch(/^invalid node affinity: spec\.affinity\.nodeAffinity/);
  });
});
