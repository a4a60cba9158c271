/**
 * One parameter set of an ApplicationSet generator. Legacy (fasttemplate) sets are flat, keys with
 * dots (`path.basename`, `values.replicas`) and indexed segments (`path[0]`); Go template sets
 * (`goTemplate: true`) are nested (`.path.basename`, `.path.segments`).
 */
export type Params = Record<string, unknown>;

export type RenderResult<T> = { ok: true; value: T } | { ok: false; message: string };

/**
 * Renders every string in `template` (keys too, as Argo CD renders the template's JSON) with one
 * parameter set. Legacy `{{name}}` placeholders whose name is not a parameter stay as written;
 * Go template placeholders support field paths (`{{ .path.basename }}`) and `index` of a list
 * (`{{ index .path.segments 1 }}`), and an unknown field is an error rather than `<no value>`.
 */
export function renderTemplate<T>(template: T, params: Params, goTemplate = false): RenderResult<T> {
  try {
    return { ok: true, value: walk(template, (s) => (goTemplate ? renderGo(s, params) : renderLegacy(s, params))) as T };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}

function walk(v: unknown, render: (s: string) => string): unknown {
  if (typeof v === 'string') return render(v);
  if (Array.isArray(v)) return v.map((x) => walk(x, render));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [render(k), walk(x, render)]));
  return v;
}

function renderLegacy(s: string, params: Params): string {
  return s.replace(/\{\{\s*([^{}]+?)\s*\}\}/g, (whole, name: string) => {
    const v = params[name];
    return v === undefined ? whole : String(v);
  });
}

function renderGo(s: string, params: Params): string {
  return s.replace(/\{\{-?\s*([^{}]+?)\s*-?\}\}/g, (_whole, expr: string) => {
    const words = expr.trim().split(/\s+/);
    let value: unknown;
    if (words.length === 1 && words[0].startsWith('.')) value = lookup(params, words[0]);
    else if (words[0] === 'index' && words.length >= 3) {
      value = lookup(params, words[1]);
      for (const k of words.slice(2)) value = (value as Record<string, unknown> | undefined)?.[/^\d+$/.test(k) ? Number(k) : k.replace(/^"|"$/g, '')];
    } else throw new Error(`template: {{${expr}}}: only field paths and index are supported`);
    if (value === undefined) throw new Error(`template: {{${expr}}}: no such parameter`);
    return typeof value === 'object' ? JSON.stringify(value) : String(value);
  });
}

function lookup(params: Params, path: string): unknown {
  if (path === '.') return params;
  let v: unknown = params;
  for (const part of path.slice(1).split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  return v;
}

/**
 * The parameters Argo CD gives a path found by a git generator: for `envs/prod-eu` (legacy)
 * `path` = envs/prod-eu, `path.basename` = prod-eu, `path.basenameNormalized` = prod-eu (with
 * anything outside [a-z0-9-.] turned into `-`, so it can name an object), `path[0]` = envs,
 * `path[1]` = prod-eu; Go template: `.path.path`, `.path.basename`, `.path.segments`, ...
 */
export function pathParams(path: string, goTemplate: boolean, file?: string): Params {
  const segments = path.split('/').filter(Boolean);
  const basename = segments.at(-1) ?? '';
  const fields: Record<string, unknown> = { path, basename, basenameNormalized: normalize(basename) };
  if (file !== undefined) {
    fields.filename = file;
    fields.filenameNormalized = normalize(file);
  }
  if (goTemplate) return { path: { ...fields, segments } };
  const out: Params = { path };
  for (const [k, v] of Object.entries(fields)) if (k !== 'path') out[`path.${k}`] = v;
  segments.forEach((s, i) => (out[`path[${i}]`] = s));
  return out;
}

function normalize(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9.-]/g, '-');
}

/** A nested object as legacy parameters: `{a: {b: 1}}` -> `{'a.b': '1'}`. */
export function flattenParams(value: Record<string, unknown>, prefix = '', out: Params = {}): Params {
  for (const [k, v] of Object.entries(value)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v && typeof v === 'object' && !Array.isArray(v)) flattenParams(v as Record<string, unknown>, key, out);
    else out[key] = typeof v === 'string' ? v : JSON.stringify(v);
  }
  return out;
}
