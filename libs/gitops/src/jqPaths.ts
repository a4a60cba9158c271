import { isRecord } from './fieldPath.js';

export type JsonPath = (string | number)[];

/** An expression outside the jq subset Skiff evaluates; its message says what is supported. */
export class UnsupportedJqError extends Error {}

const SUPPORTED =
  'supported: paths (.a.b, .["k"], .[0], .[]), pipes (|), and select(PATH == LITERAL) / select(PATH != LITERAL) with a string, number, boolean or null literal';

type Step = { kind: 'key'; key: string } | { kind: 'index'; index: number } | { kind: 'each' };
type Stage = { kind: 'path'; steps: Step[] } | { kind: 'select'; steps: Step[]; op: '==' | '!='; literal: unknown };

/**
 * The concrete paths a jq path expression selects in `value`, for `ignoreDifferences`'
 * `jqPathExpressions`. Only the subset Argo CD users write in practice is understood (see
 * SUPPORTED); anything else throws UnsupportedJqError rather than silently ignoring nothing.
 * Example: `.spec.template.spec.containers[] | select(.name == "web") | .image` on a Deployment
 * whose second container is web -> `[['spec','template','spec','containers',1,'image']]`.
 */
export function jqPaths(expression: string, value: unknown): JsonPath[] {
  const stages = parse(expression);
  let current: { path: JsonPath; value: unknown }[] = [{ path: [], value }];
  for (const stage of stages) {
    if (stage.kind === 'path') current = current.flatMap((c) => walk(c.value, stage.steps).map((r) => ({ path: [...c.path, ...r.path], value: r.value })));
    else
      current = current.filter((c) => {
        const found = walk(c.value, stage.steps);
        const equal = found.some((r) => JSON.stringify(r.value ?? null) === JSON.stringify(stage.literal));
        return stage.op === '==' ? equal : !equal;
      });
  }
  return current.map((c) => c.path);
}

/** Throws UnsupportedJqError for an expression outside the subset (used when an Application is validated). */
export function checkJqExpression(expression: string): void {
  parse(expression);
}

function walk(value: unknown, steps: Step[]): { path: JsonPath; value: unknown }[] {
  let current: { path: JsonPath; value: unknown }[] = [{ path: [], value }];
  for (const step of steps) {
    current = current.flatMap((c) => {
      if (step.kind === 'key') return [{ path: [...c.path, step.key], value: isRecord(c.value) ? c.value[step.key] : undefined }];
      if (step.kind === 'index') {
        if (!Array.isArray(c.value)) return [];
        const i = step.index < 0 ? c.value.length + step.index : step.index;
        return [{ path: [...c.path, i], value: c.value[i] }];
      }
      if (Array.isArray(c.value)) return c.value.map((v, i) => ({ path: [...c.path, i], value: v }));
      if (isRecord(c.value)) return Object.entries(c.value).map(([k, v]) => ({ path: [...c.path, k], value: v }));
      return [];
    });
  }
  return current;
}

function parse(expression: string): Stage[] {
  const fail = (why: string): never => {
    throw new UnsupportedJqError(`jq expression ${JSON.stringify(expression)}: ${why}; ${SUPPORTED}`);
  };
  return splitPipes(expression).map((raw) => {
    const text = raw.trim();
    const select = /^select\((.*)\)$/s.exec(text);
    if (select) {
      const cmp = /^(.*?)\s*(==|!=)\s*(.+)$/s.exec(select[1].trim());
      if (!cmp) return fail(`select(${select[1]}) is not PATH == LITERAL`);
      let literal: unknown;
      try {
        literal = JSON.parse(cmp[3].trim());
      } catch {
        return fail(`${cmp[3].trim()} is not a literal`);
      }
      if (isRecord(literal) || Array.isArray(literal)) fail(`${cmp[3].trim()} is not a scalar literal`);
      return { kind: 'select', steps: parsePath(cmp[1].trim(), fail), op: cmp[2] as '==' | '!=', literal };
    }
    return { kind: 'path', steps: parsePath(text, fail) };
  });
}

function splitPipes(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const ch = expression[i];
    if (ch === '"' && expression[i - 1] !== '\\') quoted = !quoted;
    if (quoted) continue;
    if (ch === '(' || ch === '[') depth++;
    if (ch === ')' || ch === ']') depth--;
    if (ch === '|' && depth === 0) {
      parts.push(expression.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(expression.slice(start));
  return parts;
}

/** `.a.b["c"][0][]`, `.`, optional `?` after a step. */
function parsePath(text: string, fail: (why: string) => never): Step[] {
  if (!text.startsWith('.')) fail(`${JSON.stringify(text)} is not a path (paths start with ".")`);
  const steps: Step[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === '.') {
      i++;
      const ident = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
      if (ident) {
        steps.push({ kind: 'key', key: ident[0] });
        i += ident[0].length;
      } else if (text[i] === '"') {
        const m = /^"((?:[^"\\]|\\.)*)"/.exec(text.slice(i)) ?? fail(`unterminated string in ${text}`);
        steps.push({ kind: 'key', key: JSON.parse(m[0]) as string });
        i += m[0].length;
      } else if (text[i] !== '[' && i < text.length) fail(`unexpected ${JSON.stringify(text[i])} in ${text}`);
    } else if (text[i] === '[') {
      const m = /^\[\s*(|-?\d+|"(?:[^"\\]|\\.)*")\s*\]/.exec(text.slice(i)) ?? fail(`${text.slice(i)}: only [], [N] and ["key"] are supported`);
      const inner = m[1];
      steps.push(inner === '' ? { kind: 'each' } : inner.startsWith('"') ? { kind: 'key', key: JSON.parse(inner) as string } : { kind: 'index', index: Number(inner) });
      i += m[0].length;
    } else if (text[i] === '?') {
      i++;
    } else {
      fail(`unexpected ${JSON.stringify(text.slice(i))}`);
    }
  }
  return steps;
}
