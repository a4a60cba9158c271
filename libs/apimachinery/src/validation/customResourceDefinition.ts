import type { CustomResourceDefinition, CustomResourceDefinitionNames } from 'kubernetes-types/apiextensions/v1.js';
import { dns1035LabelErrors, dns1123SubdomainErrors } from '../names.js';
import { validateStructuralSchema } from '../apiextensions/validateStructuralSchema.js';
import { validateListTypes } from '../apiextensions/validateListTypes.js';
import type { Schema } from '../apiextensions/schema.js';
import { FieldPath, invalid, invalidEach, notSupported, required, type FieldErrors } from './fieldErrors.js';

/**
 * apiextensions-apiserver's ValidateCustomResourceDefinition for apiextensions.k8s.io/v1: the
 * name is `<plural>.<group>`, a group with a dot, a scope, versions with exactly one storage
 * version and a structural schema each, names that are DNS labels, printer columns and the scale
 * subresource's paths. Errors read as kube-apiserver's.
 */
export function validateCustomResourceDefinition(crd: CustomResourceDefinition, errs: FieldErrors): void {
  const spec = crd.spec ?? ({} as CustomResourceDefinition['spec']);
  const path = FieldPath.root('spec');
  const names = spec.names ?? ({} as CustomResourceDefinitionNames);
  const name = crd.metadata?.name ?? '';
  if (name && name !== `${names.plural}.${spec.group}`) errs.push(invalid(FieldPath.root('metadata', 'name'), name, 'must be spec.names.plural+"."+spec.group'));

  const group = spec.group ?? '';
  if (!group) errs.push(required(path.child('group')));
  else if (dns1123SubdomainErrors(group).length) errs.push(invalid(path.child('group'), group, dns1123SubdomainErrors(group).join(',')));
  else if (group.split('.').length < 2) errs.push(invalid(path.child('group'), group, 'should be a domain with at least one dot'));

  if (!spec.scope) errs.push(required(path.child('scope')));
  else if (spec.scope !== 'Cluster' && spec.scope !== 'Namespaced') errs.push(notSupported(path.child('scope'), spec.scope, ['Cluster', 'Namespaced']));

  validateVersions(crd, errs);
  validateNames(names, path.child('names'), errs);
  if (!names.plural) errs.push(required(path.child('names', 'plural')));
  if (!names.singular) errs.push(required(path.child('names', 'singular')));
  if (!names.kind) errs.push(required(path.child('names', 'kind')));
  if (!names.listKind) errs.push(required(path.child('names', 'listKind')));

  const conversion = spec.conversion?.strategy;
  if (conversion !== undefined && conversion !== 'None') errs.push(notSupported(path.child('conversion', 'strategy'), conversion, ['None']));
}

function validateVersions(crd: CustomResourceDefinition, errs: FieldErrors): void {
  const versions = crd.spec?.versions ?? [];
  const path = FieldPath.root('spec', 'versions');
  if (versions.length === 0) {
    errs.push(required(path, ''));
    return;
  }
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    const at = path.index(i);
    if (!v.name) errs.push(required(at.child('name')));
    else errs.push(...invalidEach(at.child('name'), v.name, dns1035LabelErrors(v.name)));
    const schema = v.schema?.openAPIV3Schema as Schema | undefined;
    if (!schema) {
      errs.push(required(at.child('schema', 'openAPIV3Schema')));
    } else {
      const schemaPath = `${at.toString()}.schema.openAPIV3Schema`;
      errs.push(...validateListTypes(schema, schemaPath));
      errs.push(...validateStructuralSchema(schema, schemaPath));
      if (schema.nullable) errs.push({ reason: 'FieldValueForbidden', field: `${schemaPath}.nullable`, message: 'Forbidden: nullable cannot be true at the root' });
    }
    (v.additionalPrinterColumns ?? []).forEach((col, j) => {
      const c = at.child('additionalPrinterColumns').index(j);
      if (!col.name) errs.push(required(c.child('name')));
      if (!col.type) errs.push(required(c.child('type'), `must be one of ${COLUMN_TYPES.join(',')}`));
      else if (!COLUMN_TYPES.includes(col.type)) errs.push(invalid(c.child('type'), col.type, `must be one of ${COLUMN_TYPES.join(',')}`));
      if (col.format && !COLUMN_FORMATS.includes(col.format)) errs.push(invalid(c.child('format'), col.format, `must be one of ${COLUMN_FORMATS.join(',')}`));
      if (!col.jsonPath) errs.push(required(c.child('JSONPath')));
      else simpleJsonPath(col.jsonPath, c.child('JSONPath'), errs);
    });
    const scale = v.subresources?.scale;
    if (scale) {
      const s = at.child('subresources');
      if (!scale.specReplicasPath) errs.push(required(s.child('scale.specReplicasPath')));
      else if (!scale.specReplicasPath.startsWith('.spec.')) errs.push(invalid(s.child('scale.specReplicasPath'), scale.specReplicasPath, 'should be a json path under .spec'));
      if (!scale.statusReplicasPath) errs.push(required(s.child('scale.statusReplicasPath')));
      else if (!scale.statusReplicasPath.startsWith('.status.')) errs.push(invalid(s.child('scale.statusReplicasPath'), scale.statusReplicasPath, 'should be a json path under .status'));
      const selector = scale.labelSelectorPath;
      if (selector && !selector.startsWith('.spec.') && !selector.startsWith('.status.')) {
        errs.push(invalid(s.child('scale.labelSelectorPath'), selector, 'should be a json path under either .spec or .status'));
      }
    }
    if (v.name) {
      if (seen.has(v.name)) errs.push(invalid(path, versions.map((x) => x.name), 'must contain unique version names'));
      seen.add(v.name);
    }
  });
  if (versions.filter((v) => v.storage).length !== 1) {
    errs.push(invalid(path, versions.map((x) => x.name), 'must have exactly one version marked as storage version'));
  }
}

const COLUMN_TYPES = ['boolean', 'date', 'integer', 'number', 'string'];
const COLUMN_FORMATS = ['byte', 'date', 'date-time', 'double', 'float', 'int32', 'int64', 'password'];

function simpleJsonPath(s: string, path: FieldPath, errs: FieldErrors): void {
  if (!s.startsWith('.')) errs.push(invalid(path, s, 'must be a simple json path starting with .'));
}

function validateNames(names: CustomResourceDefinitionNames, path: FieldPath, errs: FieldErrors): void {
  const label = (field: string, value: string | undefined, prefix = '') => {
    if (!value) return;
    const problems = dns1035LabelErrors(prefix ? value.toLowerCase() : value);
    if (problems.length) errs.push(invalid(path.child(field), value, `${prefix}${problems.join(',')}`));
  };
  label('plural', names.plural);
  label('singular', names.singular);
  label('kind', names.kind, 'may have mixed case, but should otherwise match: ');
  label('listKind', names.listKind, 'may have mixed case, but should otherwise match: ');
  (names.shortNames ?? []).forEach((n, i) => errs.push(...invalidEach(path.child('shortNames').index(i), n, dns1035LabelErrors(n))));
  if (names.kind && names.kind === names.listKind) errs.push(invalid(path.child('listKind'), names.listKind, 'kind and listKind may not be the same'));
  (names.categories ?? []).forEach((c, i) => errs.push(...invalidEach(path.child('categories').index(i), c, dns1035LabelErrors(c))));
}
