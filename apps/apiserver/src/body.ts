import { BadRequestError, jsonValueShapeProblem, loadManifestYaml, unsupportedMediaType } from '@skiff/apimachinery';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

const PATCH_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+json': 'apply',
};

/** What kube-apiserver lists as accepted, for a patch and for any other body. */
const ACCEPTED_PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];
const ACCEPTED_BODY_TYPES = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

/** `strategic` false: the kind has no strategic merge schema (custom resources), so that patch type is refused with 415. */
export function patchTypeOf(contentType: string | undefined, strategic = true): PatchType {
  const type = PATCH_TYPES[mediaType(contentType)];
  const accepted = strategic ? ACCEPTED_PATCH_TYPES : ACCEPTED_PATCH_TYPES.filter((t) => t !== 'application/strategic-merge-patch+json');
  if (!type || (type === 'strategic' && !strategic)) throw unsupportedMediaType(accepted);
  return type;
}

export function isYamlMediaType(type: string): boolean {
  return type === 'application/yaml' || type === 'application/x-yaml' || type === 'text/yaml' || type === 'application/apply-patch+yaml';
}

/**
 * Decodes a request body as JSON or YAML per its content type. Malformed input is a 400 with the
 * parser's own position information, never a 500; so is a body nested too deep or whose YAML
 * aliases would expand it far beyond its size.
 */
export function decodeBody(raw: string, contentType: string | undefined): unknown {
  const type = mediaType(contentType);
  if (raw.trim().length === 0) throw new BadRequestError('the request body is empty');
  if (isYamlMediaType(type)) {
    try {
      // A key set twice keeps its last value (as Kubernetes' lenient YAML decoding does); field
      // validation reports it.
      return loadManifestYaml(raw, { json: true });
    } catch (err) {
      throw new BadRequestError(`error decoding YAML: ${(err as Error).message}`);
    }
  }
  if (type === '' || type === 'application/json' || type.endsWith('+json')) {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      throw new BadRequestError(`error decoding JSON: ${(err as Error).message}`);
    }
    // Checked before anything walks it: validation and merging recurse.
    const problem = jsonValueShapeProblem(value);
    if (problem) throw new BadRequestError(`error decoding JSON: ${problem}`);
    return value;
  }
  throw unsupportedMediaType(ACCEPTED_BODY_TYPES);
}

export function requireObject(value: unknown, what = 'body'): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new BadRequestError(`the ${what} must be a JSON or YAML object`);
  }
  return value as Record<string, unknown>;
}
