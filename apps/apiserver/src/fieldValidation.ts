import {
  deepCopy,
  BadRequestError,
  duplicateFields,
  fieldSchemaFor,
  groupVersion,
  InvalidError,
  isPlainObject,
  parseRawJson,
  patchSchemaFor,
  pruneUnknownFields,
  strictErrorsInOrder,
  undeclaredApplyFields,
  unknownFields,
  yamlDuplicateKeys,
  type KubeObject,
  type RawNode,
  type Kind,
} from '@skiff/apimachinery';
import { isYamlMediaType, mediaType, type PatchType } from './body.js';

/**
 * The `fieldValidation` query parameter of create, update and patch, as kube-apiserver 1.32 honours
 * it: fields a built-in kind does not declare, and keys written twice, fail the request (Strict),
 * come back as `Warning` headers (Warn, the default), or pass silently (Ignore). Undeclared fields
 * are dropped in every mode, as a typed decode drops them. Kinds without a schema take anything.
 */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

const DIRECTIVES = ['Ignore', 'Strict', 'Warn'];

/** `options` names the request's options kind in the error, e.g. `CreateOptions`. */
export function fieldValidationOf(value: string | undefined, options: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions'): FieldValidation {
  if (value === undefined || value === '') return 'Warn';
  if (!DIRECTIVES.includes(value)) {
    throw new InvalidError({ kind: options, group: 'meta.k8s.io', name: '' }, [
      { field: 'fieldValidation', reason: 'FieldValueNotSupported', message: `Unsupported value: ${JSON.stringify(value)}: supported values: "", "Ignore", "Strict", "Warn"` },
    ]);
  }
  return value as FieldValidation;
}

/** A body after validation: what to write, and the warnings to send back. */
export interface Validated<T> {
  value: T;
  warnings: string[];
}

/**
 * A create or update body (already decoded from `raw`). JSON bodies report in the order the
 * decoder meets fields; YAML bodies report duplicate keys by line, then unknown fields.
 */
export function validateObjectBody(raw: string, contentType: string | undefined, obj: KubeObject, type: Kind, directive: FieldValidation): Validated<KubeObject> {
  const schema = fieldSchemaFor(obj.apiVersion ?? groupVersion(type), obj.kind ?? type.kind);
  if (!schema) return type.prune ? validatePrunedBody(obj, type, directive) : { value: obj, warnings: [] };
  const value = pruneUnknownFields(obj, schema);
  if (directive === 'Ignore') return { value, warnings: [] };
  let errors: string[];
  let warnings: string[];
  if (isYamlMediaType(mediaType(contentType))) {
    const duplicates = yamlDuplicateKeys(raw);
    const unknown = unknownFields(obj, schema);
    errors = [...(duplicates.length ? [`yaml: unmarshal errors:\n  ${duplicates.join('\n  ')}`] : []), ...unknown];
    warnings = [...duplicates, ...unknown];
  } else {
    errors = strictErrorsInOrder(parseRawJson(raw), schema);
    warnings = errors;
  }
  if (errors.length === 0) return { value, warnings: [] };
  if (directive === 'Strict') {
    const kind = obj.kind ?? type.kind;
    const version = (obj.apiVersion ?? groupVersion(type)).split('/').pop();
    throw new BadRequestError(`${kind} in version ${JSON.stringify(version)} cannot be handled as a ${type.kind}: strict decoding error: ${errors.join(', ')}`);
  }
  return { value, warnings };
}

/**
 * A custom resource's body: fields its structural schema does not declare are pruned, and
 * reported as kube-apiserver reports them (`unknown field "spec.foo"`).
 */
function validatePrunedBody(obj: KubeObject, type: Kind, directive: FieldValidation): Validated<KubeObject> {
  const value = deepCopy(obj);
  const unknown = type.prune!(value).map(unknownField);
  if (directive === 'Ignore' || unknown.length === 0) return { value, warnings: [] };
  if (directive === 'Strict') {
    const version = (obj.apiVersion ?? groupVersion(type)).split('/').pop();
    throw new BadRequestError(`${type.kind} in version ${JSON.stringify(version)} cannot be handled as a ${type.kind}: strict decoding error: ${unknown.join(', ')}`);
  }
  return { value, warnings: unknown };
}

function unknownField(path: string): string {
  return `unknown field ${JSON.stringify(path)}`;
}

/**
 * Field validation of one PATCH request: an apply configuration is checked before anything
 * happens; other patches through `admitPatched`, on the patched object before it is written.
 */
export function validatePatchRequest(raw: string, patchType: PatchType, patch: unknown, type: Kind, directive: FieldValidation): { admitPatched?: (patched: KubeObject) => KubeObject; warnings(): string[] } {
  if (patchType === 'apply') {
    const warnings = isPlainObject(patch) ? validateApplyBody(raw, patch as KubeObject, type, directive) : [];
    return { warnings: () => warnings };
  }
  const check = patchValidator(raw, patchType, patch, directive, type);
  // A patch retried on a write conflict is checked again; the last check's warnings are the answer's.
  let warnings: string[] = [];
  return {
    admitPatched: (patched) => {
      const checked = check(patched);
      warnings = checked.warnings;
      return checked.value;
    },
    warnings: () => warnings,
  };
}

/**
 * Checks a JSON, merge or strategic merge patch: the patch's own duplicate keys, then the fields
 * the patched object does not declare. Returns the check to run on the patched object; Strict
 * failures are a 422 on `patch`, worded as kube-apiserver words them.
 */
function patchValidator(raw: string, patchType: Exclude<PatchType, 'apply'>, patch: unknown, directive: FieldValidation, type: Kind): (patched: KubeObject) => Validated<KubeObject> {
  const ownErrors = directive === 'Ignore' ? [] : patchType === 'json' ? jsonPatchOperationErrors(parseRawJson(raw)) : duplicateFields(parseRawJson(raw));
  return (patched) => {
    const schema = fieldSchemaFor(patched.apiVersion, patched.kind);
    let value = schema ? pruneUnknownFields(patched, schema) : patched;
    let unknown = schema && directive !== 'Ignore' ? unknownFields(patched, schema) : [];
    if (!schema && type.prune && patched.kind === type.kind) {
      value = deepCopy(patched);
      unknown = directive === 'Ignore' ? [] : type.prune(value).map(unknownField);
    }
    const errors = [...ownErrors, ...unknown];
    if (errors.length === 0) return { value, warnings: [] };
    if (directive === 'Warn') return { value, warnings: errors };
    // Kubernetes shows the strategic patch as Go prints a map, and other patches' result as JSON.
    const shown = patchType === 'strategic' ? goFormat(patch) : JSON.stringify(patched);
    throw new InvalidError({ kind: '', name: '' }, [{ field: 'patch', reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(shown)}: strict decoding error: ${errors.join(', ')}` }]);
  };
}

/**
 * Checks a server-side apply configuration. An undeclared field always fails, whatever the
 * directive: kube-apiserver cannot type the configuration. It answers that with a reasonless 500
 * (kubernetes/kubernetes#122480); Skiff answers 400 BadRequest with the same message, as the fix
 * proposed there does, since the fault is the request's.
 */
function validateApplyBody(raw: string, applied: KubeObject, type: Kind, directive: FieldValidation): string[] {
  const apiVersion = applied.apiVersion ?? groupVersion(type);
  const schema = fieldSchemaFor(apiVersion, applied.kind ?? type.kind);
  const undeclared = schema ? undeclaredApplyFields(applied, schema, patchSchemaFor(apiVersion, applied.kind ?? type.kind)) : [];
  if (undeclared.length > 0) {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    const where = `${applied.metadata?.namespace ?? ''}/${applied.metadata?.name ?? ''}; ${group}/${version}, Kind=${applied.kind ?? type.kind}`;
    const detail = undeclared.length === 1 ? undeclared[0] : `errors:\n  ${undeclared.join('\n  ')}`;
    throw new BadRequestError(`failed to create typed patch object (${where}): ${detail}`);
  }
  if (directive === 'Ignore') return [];
  const duplicates = yamlDuplicateKeys(raw);
  if (duplicates.length > 0 && directive === 'Strict') {
    throw new BadRequestError(`error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  ${duplicates.join('\n  ')}`);
  }
  return duplicates;
}

const JSON_PATCH_OPERATION_FIELDS = new Set(['op', 'path', 'from', 'value']);

/** A JSON patch's operations checked as objects of four fields (`json patch unknown field "[0].foo"`); values are not looked into. */
function jsonPatchOperationErrors(node: RawNode): string[] {
  if (node.kind !== 'array') return [];
  return node.items.flatMap((op, i) => {
    if (op.kind !== 'object') return [];
    const seen = new Set<string>();
    const errors: string[] = [];
    for (const { key } of op.entries) {
      if (!JSON_PATCH_OPERATION_FIELDS.has(key)) {
        if (!seen.has(key)) errors.push(`json patch unknown field "[${i}].${key}"`);
      } else if (seen.has(key)) {
        errors.push(`json patch duplicate field "[${i}].${key}"`);
      }
      seen.add(key);
    }
    return errors;
  });
}

/** A `Warning` header value as Kubernetes writes one: `299 - "text"`. */
export function warningHeader(text: string): string {
  return `299 - ${JSON.stringify(text)}`;
}

/** A value as Go's `%+v` prints it: `map[spec:map[replicas:3]]`. */
function goFormat(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(goFormat).join(' ')}]`;
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `map[${Object.keys(o).sort().map((k) => `${k}:${goFormat(o[k])}`).join(' ')}]`;
  }
  return String(v);
}
