import yaml from 'js-yaml';
import { valueShapeProblem, type KubeObject } from '@skiff/apimachinery';
import { isRecord } from './fieldPath.js';
import { hookAnnotationErrors } from './resourceHooks.js';
import { WAVE_ANNOTATIONS, SYNC_WAVE_ANNOTATION, ARGO_SYNC_WAVE_ANNOTATION } from './syncOrder.js';
import type { Manifest, ManifestError, ManifestFile, ParseManifestsResult } from './types.js';
import { parseYamlDocuments, pathKey, type YamlDocument } from './yamlDocuments.js';

interface Candidate {
  value: unknown;
  file: string;
  index: number;
  item?: number;
  /** Line of the candidate and of its fields, relative to its own path prefix. */
  lineOf: (fieldPath: (string | number)[]) => number;
}

/**
 * Turns the manifest files of one commit into objects, or into every error found with file, line and
 * field. Only checks that need no API server run here (shape, names, duplicates); schema validation
 * is the API server's, and `lineOfField` maps its field errors back to lines.
 */
export function parseManifests(files: readonly ManifestFile[]): ParseManifestsResult {
  const errors: ManifestError[] = [];
  const objects: Manifest[] = [];
  const seen = new Map<string, Manifest>();

  for (const file of files) {
    const candidates = file.path.endsWith('.json') ? readJson(file, errors) : readYaml(file, errors);
    for (const candidate of candidates) {
      for (const flat of flattenLists(candidate)) {
        const manifest = checkObject(flat, errors);
        if (!manifest) continue;
        const key = identity(manifest.object);
        const first = seen.get(key);
        if (first) {
          errors.push({
            file: manifest.file,
            line: manifest.line,
            message: `${describe(manifest.object)} is declared twice: ${first.file}:${first.line} and ${manifest.file}:${manifest.line}`,
          });
          continue;
        }
        seen.set(key, manifest);
        objects.push(manifest);
      }
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, objects };
}

function readYaml(file: ManifestFile, errors: ManifestError[]): Candidate[] {
  let documents: YamlDocument[];
  try {
    documents = parseYamlDocuments(file.text);
  } catch (err) {
    errors.push(yamlError(file.path, err));
    return [];
  }
  return documents.flatMap((doc, index) =>
    doc.value === null || doc.value === undefined ? [] : [{ value: doc.value, file: file.path, index, lineOf: lineFinder(doc, []) }],
  );
}

function readJson(file: ManifestFile, errors: ManifestError[]): Candidate[] {
  const text = file.text.replace(/^\uFEFF/, '');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    errors.push({ file: file.path, line: jsonErrorLine(text, err), message: `invalid JSON: ${(err as Error).message}` });
    return [];
  }
  const problem = valueShapeProblem(value);
  if (problem) {
    errors.push({ file: file.path, line: 1, message: `invalid JSON: ${problem}` });
    return [];
  }
  // JSON is valid YAML, so js-yaml can tell us the lines; JSON.parse stays the authority on content.
  let doc: YamlDocument | undefined;
  try {
    doc = parseYamlDocuments(text, { json: true })[0];
  } catch {
    doc = undefined;
  }
  const fallback: YamlDocument = { startLine: 1, value, fieldLines: new Map() };
  if (Array.isArray(value)) {
    return value.map((item, i) => ({ value: item, file: file.path, index: 0, item: i, lineOf: lineFinder(doc ?? fallback, [i]) }));
  }
  return [{ value, file: file.path, index: 0, lineOf: lineFinder(doc ?? fallback, []) }];
}

function lineFinder(doc: YamlDocument, prefix: (string | number)[]): Candidate['lineOf'] {
  return (fieldPath) => {
    const full = [...prefix, ...fieldPath];
    for (let n = full.length; n >= 0; n--) {
      const line = doc.fieldLines.get(pathKey(full.slice(0, n)));
      if (line !== undefined) return line;
    }
    return doc.startLine;
  };
}

/** `kind: List` (what `kubectl get -o yaml` writes) holds its objects in `items`. */
function flattenLists(candidate: Candidate): Candidate[] {
  const { value } = candidate;
  if (!isRecord(value) || value.kind !== 'List' || !Array.isArray(value.items)) return [candidate];
  return value.items.map((item, i) => ({
    ...candidate,
    value: item,
    item: i,
    lineOf: (path: (string | number)[]) => candidate.lineOf(['items', i, ...path]),
  }));
}

function checkObject(candidate: Candidate, errors: ManifestError[]): Manifest | undefined {
  const { value, file } = candidate;
  const line = candidate.lineOf([]);
  const fail = (field: string | undefined, path: (string | number)[], message: string): undefined => {
    errors.push({ file, line: candidate.lineOf(path), ...(field ? { field } : {}), message });
    return undefined;
  };
  if (!isRecord(value)) return fail(undefined, [], `expected an object, got ${Array.isArray(value) ? 'a list' : typeof value}`);
  const before = errors.length;
  if (typeof value.apiVersion !== 'string' || value.apiVersion === '') fail('apiVersion', ['apiVersion'], 'apiVersion is required');
  if (typeof value.kind !== 'string' || value.kind === '') fail('kind', ['kind'], 'kind is required');
  const metadata = value.metadata;
  if (!isRecord(metadata)) {
    fail('metadata.name', ['metadata'], 'metadata.name is required');
  } else {
    // generateName instead of a name: the object is created anew by each sync (Argo CD allows it for Jobs and hooks).
    const generated = (metadata.name === undefined || metadata.name === '') && typeof metadata.generateName === 'string' && metadata.generateName !== '';
    if (!generated && (typeof metadata.name !== 'string' || metadata.name === '')) fail('metadata.name', ['metadata', 'name'], 'metadata.name is required');
    if (metadata.namespace !== undefined && typeof metadata.namespace !== 'string') {
      fail('metadata.namespace', ['metadata', 'namespace'], 'metadata.namespace must be a string');
    }
    const annotations = isRecord(metadata.annotations) ? metadata.annotations : {};
    for (const name of WAVE_ANNOTATIONS) {
      const wave = annotations[name];
      if (wave !== undefined && !(typeof wave === 'string' && /^-?\d+$/.test(wave.trim()))) {
        fail(`metadata.annotations[${name}]`, ['metadata', 'annotations', name], `${name} must be an integer in quotes, got ${JSON.stringify(wave)}`);
      }
    }
    // Both wave annotations with different values: which one the author meant is a guess, so say so.
    const skiffWave = annotations[SYNC_WAVE_ANNOTATION];
    const argoWave = annotations[ARGO_SYNC_WAVE_ANNOTATION];
    if (typeof skiffWave === 'string' && typeof argoWave === 'string' && skiffWave.trim() !== argoWave.trim()) {
      fail(`metadata.annotations[${ARGO_SYNC_WAVE_ANNOTATION}]`, ['metadata', 'annotations', ARGO_SYNC_WAVE_ANNOTATION], `${SYNC_WAVE_ANNOTATION} (${skiffWave}) and ${ARGO_SYNC_WAVE_ANNOTATION} (${argoWave}) disagree: keep one`);
    }
    if (isRecord(metadata.annotations)) {
      for (const e of hookAnnotationErrors({ apiVersion: '', kind: '', metadata } as KubeObject)) fail(`metadata.annotations[${e.annotation}]`, ['metadata', 'annotations', e.annotation], e.message);
    }
  }
  if (errors.length > before) return undefined;
  return {
    object: value as KubeObject,
    file,
    line,
    index: candidate.index,
    ...(candidate.item !== undefined ? { item: candidate.item } : {}),
  };
}

function identity(obj: KubeObject): string {
  const group = obj.apiVersion.includes('/') ? obj.apiVersion.split('/')[0] : '';
  return JSON.stringify([group, obj.kind, obj.metadata.namespace ?? '', manifestName(obj)]);
}

/** An object's name in git: its name, or `<generateName>*` for one the server names at each sync. */
export function manifestName(obj: KubeObject): string {
  return obj.metadata.name || `${obj.metadata.generateName ?? ''}*`;
}

function describe(obj: KubeObject): string {
  const ns = obj.metadata.namespace ? ` in namespace "${obj.metadata.namespace}"` : '';
  return `${obj.kind} "${manifestName(obj)}"${ns}`;
}

function yamlError(file: string, err: unknown): ManifestError {
  if (err instanceof yaml.YAMLException) {
    return { file, line: (err.mark?.line ?? 0) + 1, message: `invalid YAML: ${err.reason}` };
  }
  return { file, line: 1, message: `invalid YAML: ${(err as Error).message}` };
}

/**
 * V8 reports "(line 3 column 5)", "at position 42", or (Node 20) neither; then js-yaml, which also
 * reads JSON, is asked where it fails.
 */
function jsonErrorLine(text: string, err: unknown): number {
  const message = (err as Error).message;
  const lineMatch = /line (\d+)/.exec(message);
  if (lineMatch) return Number(lineMatch[1]);
  const posMatch = /position (\d+)/.exec(message);
  if (posMatch) return text.slice(0, Number(posMatch[1])).split('\n').length;
  try {
    parseYamlDocuments(text, { json: true });
  } catch (yamlErr) {
    if (yamlErr instanceof yaml.YAMLException && yamlErr.mark) return yamlErr.mark.line + 1;
  }
  return 1;
}
