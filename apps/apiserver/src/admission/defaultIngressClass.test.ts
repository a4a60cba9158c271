import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { defaultIngressClassName } from './defaultIngressClass.js';

const cls = (name: string, isDefault: boolean, created: string): KubeObject => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: { name, creationTimestamp: created, ...(isDefault ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } : {}) },
  spec: { controller: 'x.io/y' },
});
const ing = (spec: Record<string, unknown> = {}, annotations?: Record<string, string>): KubeObject => ({ apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'i', namespace: 'default', ...(annotations ? { annotations } : {}) }, spec });

describe('defaultIngressClassName', () => {
  it.each([
    ['no class: the default', ing(), [cls('skiff', true, '2026-01-01T00:00:00Z'), cls('other', false, '2026-02-01T00:00:00Z')], 'skiff'],
    ['no default class: nothing', ing(), [cls('other', false, '2026-02-01T00:00:00Z')], undefined],
    ['a class already named: kept', ing({ ingressClassName: 'other' }), [cls('skiff', true, '2026-01-01T00:00:00Z')], undefined],
    ['the legacy annotation: kept', ing({}, { 'kubernetes.io/ingress.class': 'nginx' }), [cls('skiff', true, '2026-01-01T00:00:00Z')], undefined],
    ['two defaults: the newest', ing(), [cls('old', true, '2026-01-01T00:00:00Z'), cls('new', true, '2026-03-01T00:00:00Z')], 'new'],
    ['"false" is not default', ing(), [{ ...cls('x', false, '2026-01-01T00:00:00Z'), metadata: { name: 'x', annotations: { 'ingressclass.kubernetes.io/is-default-class': 'false' } } }], undefined],
  ])('%s', (_what, ingress, classes, want) => {
    expect(defaultIngressClassName(ingress, classes)).toBe(want);
  });
});
