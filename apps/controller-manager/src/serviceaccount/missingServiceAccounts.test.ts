import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { missingServiceAccounts } from './missingServiceAccounts.js';

const ns = (phase: string | undefined, deleting = false): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Namespace',
  metadata: { name: 'team', ...(deleting ? { deletionTimestamp: '2026-12-05T10:00:00Z' } : {}) },
  ...(phase ? { status: { phase } } : {}),
});

describe('missingServiceAccounts', () => {
  it.each([
    ['an Active namespace without accounts', ns('Active'), [], ['default']],
    ['an Active namespace with its default account', ns('Active'), ['default', 'ci'], []],
    ['an Active namespace with other accounts only', ns('Active'), ['ci'], ['default']],
    ['a Terminating namespace', ns('Terminating', true), [], []],
    ['a namespace marked for deletion whose phase is not updated yet', ns('Active', true), [], []],
    ['a namespace without a phase', ns(undefined), [], []],
  ])('%s', (_, namespace, existing, expected) => {
    expect(missingServiceAccounts(namespace, existing)).toEqual(expected);
  });
});
