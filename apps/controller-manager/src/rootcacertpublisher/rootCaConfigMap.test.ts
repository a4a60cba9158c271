import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { planRootCaConfigMap } from './rootCaConfigMap.js';

const CA = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const ns = (phase: string | undefined, deleting = false): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name: 'team', ...(deleting ? { deletionTimestamp: '2026-12-05T10:00:00Z' } : {}) },
  ...(phase ? { status: { phase } } : {}),
});
const cm = (data: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-root-ca.crt', namespace: 'team', resourceVersion: '7' }, data });

describe('planRootCaConfigMap', () => {
  it.each([
    ['an Active namespace without the ConfigMap', ns('Active'), undefined, 'create'],
    ['an Active namespace with the CA published', ns('Active'), cm({ 'ca.crt': CA }), 'none'],
    ['an Active namespace whose ConfigMap holds another CA', ns('Active'), cm({ 'ca.crt': 'other' }), 'update'],
    ['an Active namespace whose ConfigMap gained a key', ns('Active'), cm({ 'ca.crt': CA, extra: 'x' }), 'update'],
    ['a Terminating namespace', ns('Terminating', true), undefined, 'none'],
    ['a namespace marked for deletion whose phase is not updated yet', ns('Active', true), undefined, 'none'],
    ['a namespace without a phase', ns(undefined), undefined, 'none'],
  ])('%s: %s', (_, namespace, existing, expected) => {
    const action = planRootCaConfigMap(namespace, existing, CA);
    expect(action.kind).toBe(expected);
    if (action.kind !== 'none') expect(action.configMap).toMatchObject({ metadata: { name: 'kube-root-ca.crt', namespace: 'team' }, data: { 'ca.crt': CA } });
    if (action.kind === 'update') expect(Object.keys(action.configMap.data as object)).toEqual(['ca.crt']);
  });
});
