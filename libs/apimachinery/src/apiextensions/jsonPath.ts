import { isObject } from './schema.js';

/**
 * The JSONPath subset CRDs use for printer columns and scale paths (`.spec.replicas`,
 * `.status.conditions[0].type`, `.spec.items[*].name`, `.metadata.labels['app.kubernetes.io/name']`),
 * evaluated as kubectl's jsonpath does with missing keys allowed: every match, in order.
 */
export function jsonPathValues(obj: unknown, path: string): unknown[] {
  let current: unknown[] = [obj];
  for (const step of parseJsonPath(path)) {
    const next: unknown[] = [];
    for (const v of current) {
      if (step.kind === 'field' && isObject(v) && v[step.name] !== undefined) next.push(v[step.name]);
      else if (step.kind === 'index' && Array.isArray(v)) {
        const i = step.index < 0 ? v.length + step.index : step.index;
        if (i >= 0 && i < v.length) next.push(v[i]);
      } else if (step.kind === 'all') {
        if (Array.isArray(v)) next.push(...v);
        else if (isObject(v)) next.push(...Object.values(v));
      }
    }
    current = next;
  }
  return current;
}

type Step = { kind: 'field'; name: string } | { kind: 'index'; index: number } | { kind: 'all' };

/** Steps of a path like `.a.b[0]['c.d'][*]`; throws on what it cannot read. */
export function parseJsonPath(path: string): Step[] {
  const p = path.startsWith('{') && path.endsWith('}') ? path.slice(1, -1) : path;
  const steps: Step[] = [];
  let i = 0;
  while (i < p.length) {
    if (p[i] === '.') {
      i++;
      let name = '';
      while (i < p.length && p[i] !== '.' && p[i] !== '[') name += p[i++];
      if (name === '*') steps.push({ kind: 'all' });
      else if (name) steps.push({ kind: 'field', name });
    } else if (p[i] === '[') {
      const end = p.indexOf(']', i);
      if (end < 0) throw new Error(`unclosed [ in ${path}`);
      const inner = p.slice(i + 1, end).trim();
      i = end + 1;
      if (inner === '*') steps.push({ kind: 'all' });
      else if (/^-?\d+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) });
      else if (/^'.*'$|^".*"$/.test(inner)) steps.push({ kind: 'field', name: inner.slice(1, -1) });
      else throw new Error(`unsupported JSONPath step [${inner}] in ${path}`);
    } else {
      throw new Error(`JSONPath ${path} must start with .`);
    }
  }
  return steps;
}

/** The first match of `path`, or undefined. */
export function jsonPathValue(obj: unknown, path: string): unknown {
  return jsonPathValues(obj, path)[0];
}

/**
 * Sets the value at a simple dotted path (`.spec.replicas`), creating objects on the way; the
 * scale subresource writes `specReplicasPath` this way.
 */
export function setJsonPathValue(obj: Record<string, unknown>, path: string, value: unknown): void {
  const steps = parseJsonPath(path);
  let cur: Record<string, unknown> = obj;
  steps.forEach((step, n) => {
    if (step.kind !== 'field') throw new Error(`${path} is not a simple field path`);
    if (n === steps.length - 1) cur[step.name] = value;
    else {
      if (!isObject(cur[step.name])) cur[step.name] = {};
      cur = cur[step.name] as Record<string, unknown>;
    }
  });
}
