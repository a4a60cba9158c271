import type { ManifestError } from '../types.js';

export type RenderTool = 'helm' | 'kustomize' | 'jsonnet';

const FILE_LINE = /([\w.@+-][\w./@+-]*\.(?:jsonnet|libsonnet|json|ya?ml|tpl|txt)(?![\w])|Kustomization)(?::\(?(\d+)|"?,? line (\d+))?/;
const LINE_ONLY = /\bline (\d+)\b/;

/**
 * A tool's failure as an error with the file and line it names. The tool ran in a temp copy of the
 * tree, so its absolute paths are turned back into repository paths; helm names templates by
 * chart (`guestbook/templates/x.yaml:12:3`), which `chartPrefix` maps to the chart's folder.
 * Without a file in the message, the error points at `fallbackFile` (the Application's folder).
 *
 *   helm:    Error: parse error at (guestbook/templates/web.yaml:7): function "nope" not defined
 *   jsonnet: STATIC ERROR: /tmp/skiff-render-x/app/main.jsonnet:3:5-6: unknown variable: x
 *   kustomize: Error: ... MalformedYAMLError: yaml: line 4: mapping values ... in File: base/web.yaml
 */
export function toolError(tool: RenderTool, stderr: string, opts: { tempRoot: string; fallbackFile: string; chartPrefix?: { name: string; path: string } }): ManifestError {
  let text = stderr.split(`${opts.tempRoot}/`).join('').split(opts.tempRoot).join('.').trim();
  text = text.replace(/^Error: /, '').replace(/^error: /, '');
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const message = lines.slice(0, 6).join(' ').replace(/\s+/g, ' ').slice(0, 1000);
  let file = opts.fallbackFile;
  let line = 0;
  const m = FILE_LINE.exec(text);
  if (m) {
    file = m[1];
    if (opts.chartPrefix && file.startsWith(`${opts.chartPrefix.name}/`)) file = joinPath(opts.chartPrefix.path, file.slice(opts.chartPrefix.name.length + 1));
    const l = m[2] ?? m[3];
    if (l) line = Number(l);
  }
  if (!line) {
    const l = LINE_ONLY.exec(text);
    if (l) line = Number(l[1]);
  }
  return { file, line, message: `${tool} failed: ${message || 'no output on stderr'}` };
}

function joinPath(a: string, b: string): string {
  return a === '' || a === '.' ? b : `${a.replace(/\/+$/, '')}/${b}`;
}
