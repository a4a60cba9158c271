import { describe, expect, it } from 'vitest';
import { roleBindingPrinter, rolePrinter, serviceAccountPrinter } from './rbac.js';

const now = new Date('2026-12-05T10:00:00Z');
const created = '2026-12-05T09:58:00Z';

describe('rbac printers', () => {
  it('prints a ServiceAccount with its number of secrets', () => {
    expect(serviceAccountPrinter.columns.map((c) => c.name)).toEqual(['Name', 'Secrets', 'Age']);
    expect(serviceAccountPrinter.cells({ metadata: { name: 'ci', creationTimestamp: created }, secrets: [{ name: 'a' }] }, now).cells).toEqual(['ci', 1, '2m']);
  });

  it('prints a Role as the default table does: its creation time', () => {
    expect(rolePrinter.columns.map((c) => [c.name, c.type])).toEqual([['Name', 'string'], ['Created At', 'date']]);
    expect(rolePrinter.cells({ metadata: { name: 'reader', creationTimestamp: created } }, now).cells).toEqual(['reader', created]);
  });

  it('prints a binding with its role, and its subjects by kind in the wide columns', () => {
    expect(roleBindingPrinter.columns.map((c) => [c.name, c.priority])).toEqual([['Name', 0], ['Role', 0], ['Age', 0], ['Users', 1], ['Groups', 1], ['ServiceAccounts', 1]]);
    const row = roleBindingPrinter.cells(
      {
        metadata: { name: 'read', creationTimestamp: created },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
        subjects: [{ kind: 'User', name: 'alice' }, { kind: 'User', name: 'bob' }, { kind: 'Group', name: 'devs' }, { kind: 'ServiceAccount', namespace: 'ci', name: 'builder' }],
      },
      now,
    );
    expect(row.cells).toEqual(['read', 'ClusterRole/view', '2m', 'alice, bob', 'devs', 'ci/builder']);
  });
});
