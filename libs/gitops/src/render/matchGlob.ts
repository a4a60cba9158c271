/**
 * Argo CD's `directory.include` / `exclude` globs, matched against a file's path relative to the
 * Application's folder: `*` matches any run of characters, `/` included (so `*.yaml` matches
 * `sub/a.yaml` too), `?` one character, `[abc]` a class, `{a,b}` either pattern.
 */
export function matchGlob(pattern: string, path: string): boolean {
  return globRegExp(pattern).test(path);
}

const cache = new Map<string, RegExp>();

function globRegExp(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (!re) {
    re = new RegExp(`^${translate(pattern)}$`);
    if (cache.size > 200) cache.clear();
    cache.set(pattern, re);
  }
  return re;
}

function translate(p: string): string {
  let out = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i];
    if (c === '*') out += '.*';
    else if (c === '?') out += '.';
    else if (c === '[') {
      const end = p.indexOf(']', i + 1);
      if (end < 0) out += '\\[';
      else {
        const body = p.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\');
        out += `[${body}]`;
        i = end;
      }
    } else if (c === '{') {
      const end = closingBrace(p, i);
      if (end < 0) out += '\\{';
      else {
        out += `(?:${splitTop(p.slice(i + 1, end)).map(translate).join('|')})`;
        i = end;
      }
    } else if (c === '\\' && i + 1 < p.length) {
      out += escape(p[++i]);
    } else out += escape(c);
  }
  return out;
}

function closingBrace(p: string, open: number): number {
  let depth = 0;
  for (let i = open; i < p.length; i++) {
    if (p[i] === '{') depth++;
    else if (p[i] === '}' && --depth === 0) return i;
  }
  return -1;
}

/** `a,{b,c},d` -> [`a`, `{b,c}`, `d`]: commas inside nested braces stay. */
function splitTop(body: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '{') depth++;
    else if (body[i] === '}') depth--;
    else if (body[i] === ',' && depth === 0) {
      parts.push(body.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(body.slice(start));
  return parts;
}

function escape(c: string): string {
  return /[.+^$()|\\/]/.test(c) ? `\\${c}` : c;
}

export interface DirectoryFilter {
  recurse: boolean;
  include?: string;
  exclude?: string;
}

/**
 * Whether a file (path relative to the Application's folder) is read as a manifest or rendered
 * as jsonnet: in the folder itself unless recursing, matching include, not matching exclude.
 */
export function directoryFileSelected(relPath: string, filter: DirectoryFilter): boolean {
  if (!filter.recurse && relPath.includes('/')) return false;
  if (filter.include && !matchGlob(filter.include, relPath)) return false;
  if (filter.exclude && matchGlob(filter.exclude, relPath)) return false;
  return true;
}
