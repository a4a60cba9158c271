import type { SetterChange } from './applySetters.js';

export interface FileChanges {
  path: string;
  changes: SetterChange[];
}

export type RenderedMessage = { ok: true; message: string } | { ok: false; message: string };

/**
 * The data a `messageTemplate` sees, named as Flux's v1beta2 template data: `.AutomationObject`
 * (`ns/name`), `.Changed.Changes` (each with `.OldValue`, `.NewValue`, `.Setter`),
 * `.Changed.FileChanges` (file -> its changes), `.Updated.Images` (the new values that are whole
 * images), `.Updated.Files` (file -> true).
 */
export function templateData(automation: string, files: readonly FileChanges[]): Record<string, unknown> {
  const changes = files.flatMap((f) => f.changes.map((c) => ({ OldValue: c.oldValue, NewValue: c.newValue, Setter: c.setter })));
  const images = [...new Set(files.flatMap((f) => f.changes.filter((c) => !/:(tag|name)$/.test(c.setter)).map((c) => c.newValue)))].sort();
  return {
    AutomationObject: automation,
    Changed: { Changes: changes, FileChanges: Object.fromEntries(files.map((f) => [f.path, f.changes.map((c) => ({ OldValue: c.oldValue, NewValue: c.newValue, Setter: c.setter }))])) },
    Updated: { Images: images, Files: Object.fromEntries(files.map((f) => [f.path, true])) },
  };
}

/**
 * The commit message: the template rendered, or without one a message that says what changed
 * and who changed it:
 *
 *   Update images: 127.0.0.1:5000/hello:1.0.1
 *
 *   deploy/web.yaml:12 127.0.0.1:5000/hello:1.0.0 -> 127.0.0.1:5000/hello:1.0.1
 *
 *   Automation: apps/hello (ImageUpdateAutomation)
 */
export function commitMessage(automation: string, files: readonly FileChanges[], template?: string): RenderedMessage {
  if (template) {
    const rendered = renderGoTemplate(template, templateData(automation, files));
    return rendered.ok && rendered.message.trim() === '' ? { ok: false, message: 'the messageTemplate rendered an empty message' } : rendered;
  }
  // The subject names whole images where there are any: a bare tag says less than `name:tag`.
  const all = files.flatMap((f) => f.changes);
  const images = all.filter((c) => !/:(tag|name)$/.test(c.setter));
  const values = [...new Set((images.length ? images : all).map((c) => c.newValue))].sort();
  const subject = `Update images: ${values.slice(0, 3).join(', ')}${values.length > 3 ? ` and ${values.length - 3} more` : ''}`;
  const lines = files.flatMap((f) => f.changes.map((c) => `${f.path}:${c.line} ${c.oldValue} -> ${c.newValue}`));
  return { ok: true, message: `${subject}\n\n${lines.join('\n')}\n\nAutomation: ${automation} (ImageUpdateAutomation)\n` };
}

type Node = { text: string } | { action: string } | { range: string; body: Node[]; else: Node[] } | { if: string; body: Node[]; else: Node[] };

/**
 * A small part of Go's text/template, enough for the commit templates people write: `{{ .A.B }}`,
 * `{{ range .X }}...{{ else }}...{{ end }}` over lists and maps (sorted keys, as Go ranges them),
 * `{{ if .X }}...{{ end }}`, `print`, `println`, `printf` with %s/%v/%d/%q, string literals, and
 * `{{-`/`-}}` whitespace trimming. Anything else is an error naming the action.
 */
export function renderGoTemplate(template: string, data: unknown): RenderedMessage {
  try {
    const tokens = tokenize(template);
    const [nodes, stop] = parse(tokens, 0, []);
    if (stop < tokens.length) throw new Error(`unexpected {{${(tokens[stop] as { action: string }).action}}}`);
    return { ok: true, message: execute(nodes, data) };
  } catch (err) {
    return { ok: false, message: `messageTemplate: ${(err as Error).message}` };
  }
}

function tokenize(template: string): ({ text: string } | { action: string })[] {
  const tokens: ({ text: string } | { action: string })[] = [];
  const re = /\{\{(-\s)?([\s\S]*?)(\s-)?\}\}/g;
  let last = 0;
  for (const m of template.matchAll(re)) {
    let text = template.slice(last, m.index);
    if (m[1]) text = text.replace(/\s+$/, '');
    tokens.push({ text });
    tokens.push({ action: m[2].trim() });
    last = m.index! + m[0].length;
    if (m[3]) while (last < template.length && /\s/.test(template[last])) last++;
  }
  tokens.push({ text: template.slice(last) });
  return tokens.filter((t) => !('text' in t) || t.text !== '');
}

function parse(tokens: ({ text: string } | { action: string })[], i: number, stops: string[]): [Node[], number] {
  const nodes: Node[] = [];
  while (i < tokens.length) {
    const t = tokens[i];
    if ('text' in t) {
      nodes.push(t);
      i++;
      continue;
    }
    const [word, ...rest] = t.action.split(/\s+/);
    if (stops.includes(word)) return [nodes, i];
    if (word === 'range' || word === 'if') {
      const [body, j] = parse(tokens, i + 1, ['else', 'end']);
      let elseBody: Node[] = [];
      let k = j;
      if (k < tokens.length && (tokens[k] as { action: string }).action === 'else') [elseBody, k] = parse(tokens, k + 1, ['end']);
      if (k >= tokens.length) throw new Error(`{{${t.action}}} has no {{end}}`);
      nodes.push(word === 'range' ? { range: rest.join(' '), body, else: elseBody } : { if: rest.join(' '), body, else: elseBody });
      i = k + 1;
      continue;
    }
    if (word === 'end' || word === 'else') throw new Error(`unexpected {{${word}}}`);
    if (word.startsWith('/*')) {
      i++;
      continue;
    }
    nodes.push({ action: t.action });
    i++;
  }
  return [nodes, i];
}

function execute(nodes: Node[], dot: unknown): string {
  let out = '';
  for (const n of nodes) {
    if ('text' in n) out += n.text;
    else if ('action' in n) out += show(evaluate(n.action, dot));
    else if ('range' in n) {
      const value = evaluate(n.range, dot);
      const items = Array.isArray(value) ? value : isMap(value) ? Object.keys(value).sort().map((k) => value[k]) : value === undefined || value === null ? [] : undefined;
      if (items === undefined) throw new Error(`range can't iterate over ${show(value)}`);
      out += items.length ? items.map((item) => execute(n.body, item)).join('') : execute(n.else, dot);
    } else out += truthy(evaluate(n.if, dot)) ? execute(n.body, dot) : execute(n.else, dot);
  }
  return out;
}

function evaluate(pipeline: string, dot: unknown): unknown {
  const args = splitArgs(pipeline);
  if (args.length === 0) throw new Error('empty action');
  const [fn, ...rest] = args;
  if (fn === 'print' || fn === 'println') {
    const values = rest.map((a) => operand(a, dot));
    // Go's print puts spaces only between operands that are not both strings; println always does.
    const text = fn === 'println' ? values.map(show).join(' ') + '\n' : values.map(show).reduce((acc, s, i) => acc + (i > 0 && typeof values[i] !== 'string' && typeof values[i - 1] !== 'string' ? ' ' : '') + s, '');
    return text;
  }
  if (fn === 'printf') {
    const [format, ...values] = rest.map((a) => operand(a, dot));
    let k = 0;
    return String(format).replace(/%([svdq%])/g, (_, verb: string) => (verb === '%' ? '%' : verb === 'q' ? JSON.stringify(show(values[k++])) : show(values[k++])));
  }
  if (args.length !== 1) throw new Error(`unsupported action {{${pipeline}}}`);
  return operand(fn, dot);
}

function operand(arg: string, dot: unknown): unknown {
  if (arg.startsWith('"')) return JSON.parse(arg) as string;
  if (arg === '.') return dot;
  if (!arg.startsWith('.')) throw new Error(`unsupported function or value ${JSON.stringify(arg)}`);
  let v: unknown = dot;
  for (const field of arg.slice(1).split('.')) {
    if (!isMap(v) || !(field in v)) throw new Error(`can't evaluate field ${field} in ${arg}`);
    v = v[field];
  }
  return v;
}

function splitArgs(pipeline: string): string[] {
  return [...pipeline.matchAll(/"(?:[^"\\]|\\.)*"|\S+/g)].map((m) => m[0]);
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function truthy(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  if (isMap(v)) return Object.keys(v).length > 0;
  return !!v;
}

function show(v: unknown): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '<no value>';
  if (Array.isArray(v)) return `[${v.map(show).join(' ')}]`;
  if (isMap(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${show(v[k])}`).join(' ')}]`;
  return String(v);
}
