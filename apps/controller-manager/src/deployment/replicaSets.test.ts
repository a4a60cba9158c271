import { describe, expect, it } from 'vitest';
import { makeDeployment, makeRS } from '../testing/builders.js';
import { findNewReplicaSet, podTemplateHash, templatesEqual } from './replicaSets.js';
import { newReplicaSetAnnotations, replicaSetsToClean } from './revisions.js';

const template = (image: string, labels: Record<string, string> = { app: 'web' }) => ({ metadata: { labels }, spec: { containers: [{ name: 'c', image }] } });

describe('pod template hash and equality', () => {
  it('is stable, ignores key order and the hash label, and changes with the template or collision count', () => {
    const a = podTemplateHash(template('v1'));
    expect(a).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{6,10}$/);
    expect(podTemplateHash({ spec: { containers: [{ image: 'v1', name: 'c' }] }, metadata: { labels: { app: 'web' } } })).toBe(a);
    expect(podTemplateHash(template('v1', { app: 'web', 'pod-template-hash': 'zzz' }))).toBe(a);
    expect(podTemplateHash(template('v2'))).not.toBe(a);
    expect(podTemplateHash(template('v1'), 1)).not.toBe(a);
  });

  it.each([
    [template('v1'), template('v1'), true],
    [template('v1'), template('v1', { app: 'web', 'pod-template-hash': 'abc' }), true],
    [template('v1'), template('v2'), false],
    [template('v1'), template('v1', { app: 'web', tier: 'x' }), false],
    // What kubectl rollout undo sends: a typed struct's nulls and empty objects.
    [template('v1'), { metadata: { creationTimestamp: null, labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'v1', resources: {} }] } }, true],
  ])('templatesEqual %#', (a, b, want) => {
    expect(templatesEqual(a, b)).toBe(want);
  });

  it('finds the oldest set whose template matches', () => {
    const d = makeDeployment(3);
    const match = makeRS('match').build();
    (match.spec as { template: unknown }).template = template('new', { app: 'web', 'pod-template-hash': 'h' });
    const other = makeRS('other').build();
    expect(findNewReplicaSet((d.spec as { template: unknown }).template, [other, match])?.metadata.name).toBe('match');
  });
});

describe('revisions', () => {
  it('moves a reused set to the next revision and remembers the old one', () => {
    const d = makeDeployment(3);
    d.metadata.annotations = { 'kubernetes.io/change-cause': 'undo', 'kubectl.kubernetes.io/last-applied-configuration': '{}' };
    const rs = makeRS('v1').revision(1).build();
    const out = newReplicaSetAnnotations(d, rs, 4);
    expect(out).toMatchObject({ 'deployment.kubernetes.io/revision': '4', 'deployment.kubernetes.io/revision-history': '1', 'kubernetes.io/change-cause': 'undo' });
    expect(out).not.toHaveProperty('kubectl.kubernetes.io/last-applied-configuration');
    expect(newReplicaSetAnnotations(d, makeRS('cur').revision(4).build(), 4)['deployment.kubernetes.io/revision']).toBe('4');
  });

  it('cleans the oldest empty sets beyond revisionHistoryLimit, never one with pods', () => {
    const d = makeDeployment(3);
    (d.spec as { revisionHistoryLimit: number }).revisionHistoryLimit = 1;
    const r1 = makeRS('r1').revision(1).build();
    const r2 = makeRS('r2').revision(2).replicas(1).build();
    const r3 = makeRS('r3').revision(3).build();
    expect(replicaSetsToClean(d, [r3, r2, r1]).map((rs) => rs.metadata.name)).toEqual(['r1']);
  });
});
