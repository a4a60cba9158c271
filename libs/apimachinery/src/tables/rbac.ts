import { AGE, AGE_DESCRIPTION, ageOf, column, NAME, nameOf, type Printer } from './columns.js';
import { listAt, objectAt, text, type Json } from './format.js';
import { createdAtCell } from './quota.js';

/**
 * `kubectl get serviceaccounts|roles|clusterroles|rolebindings|clusterrolebindings` as
 * kube-apiserver 1.32 prints them. Roles and ClusterRoles have no printer there: they get the
 * default Table (name and the creation time as a date), which kubectl shows as CREATED AT.
 */

export const serviceAccountPrinter: Printer = {
  columns: [
    NAME,
    column('Secrets', 'string', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'),
    AGE,
  ],
  cells: (o, now) => ({ cells: [nameOf(o), listAt(o, 'secrets').length, ageOf(o, now)] }),
};

export const rolePrinter: Printer = {
  columns: [NAME, column('Created At', 'date', AGE_DESCRIPTION)],
  cells: (o) => ({ cells: [nameOf(o), createdAtCell(o)] }),
};

/**
 * The wide columns list a binding's subjects by kind, joined with ", "; service accounts as
 * `namespace/name` (an empty namespace in a RoleBinding prints as `/name`, as kubectl does).
 */
export function subjectsByKind(o: Json): { users: string[]; groups: string[]; serviceAccounts: string[] } {
  const out = { users: [] as string[], groups: [] as string[], serviceAccounts: [] as string[] };
  for (const s of listAt(o, 'subjects')) {
    if (s.kind === 'User') out.users.push(text(s.name));
    else if (s.kind === 'Group') out.groups.push(text(s.name));
    else if (s.kind === 'ServiceAccount') out.serviceAccounts.push(`${text(s.namespace)}/${text(s.name)}`);
  }
  return out;
}

function bindingPrinter(of: string): Printer {
  return {
    columns: [
      NAME,
      column('Role', 'string', 'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace. If the RoleRef cannot be resolved, the Authorizer must return an error. This field is immutable.'),
      AGE,
      column('Users', 'string', `Users in the ${of}`, 1),
      column('Groups', 'string', `Groups in the ${of}`, 1),
      column('ServiceAccounts', 'string', `ServiceAccounts in the ${of}`, 1),
    ],
    cells: (o, now) => {
      const ref = objectAt(o, 'roleRef');
      const { users, groups, serviceAccounts } = subjectsByKind(o);
      return { cells: [nameOf(o), `${text(ref.kind)}/${text(ref.name)}`, ageOf(o, now), users.join(', '), groups.join(', '), serviceAccounts.join(', ')] };
    },
  };
}

export const roleBindingPrinter = bindingPrinter('roleBinding');
export const clusterRoleBindingPrinter = bindingPrinter('clusterRoleBinding');
