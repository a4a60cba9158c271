import { describe, expect, it } from 'vitest';
import { toolError } from './toolError.js';

describe('toolError', () => {
  const tempRoot = '/tmp/skiff-render-abc/tree';
  it.each([
    {
      tool: 'helm' as const,
      stderr: 'Error: parse error at (guestbook/templates/web.yaml:7): function "nope" not defined\n',
      want: { file: 'charts/gb/templates/web.yaml', line: 7 },
    },
    {
      tool: 'helm' as const,
      stderr: 'Error: template: guestbook/templates/svc.yaml:12:20: executing "guestbook/templates/svc.yaml" at <.Values.service.port>: nil pointer\n',
      want: { file: 'charts/gb/templates/svc.yaml', line: 12 },
    },
    {
      tool: 'jsonnet' as const,
      stderr: `STATIC ERROR: ${tempRoot}/apps/jsonnet/main.jsonnet:3:5-10: Unknown variable: x\n`,
      want: { file: 'apps/jsonnet/main.jsonnet', line: 3 },
    },
    {
      tool: 'jsonnet' as const,
      stderr: `RUNTIME ERROR: boom\n\t${tempRoot}/apps/j/main.jsonnet:(4:3)-(4:20)\tobject <anonymous>\n`,
      want: { file: 'apps/j/main.jsonnet', line: 4 },
    },
    {
      tool: 'kustomize' as const,
      stderr: `error: accumulating resources: accumulation err='accumulating resources from 'web.yaml': MalformedYAMLError: yaml: line 4: mapping values are not allowed in this context in File: web.yaml'\n`,
      want: { file: 'web.yaml', line: 4 },
    },
    {
      tool: 'kustomize' as const,
      stderr: 'error: no objects\n',
      want: { file: 'overlays/prod', line: 0 },
    },
  ])('$tool: $want.file:$want.line', ({ tool, stderr, want }) => {
    const e = toolError(tool, stderr, { tempRoot, fallbackFile: tool === 'kustomize' ? 'overlays/prod' : 'x', chartPrefix: { name: 'guestbook', path: 'charts/gb' } });
    expect({ file: e.file, line: e.line }).toEqual(want);
    expect(e.message.startsWith(`${tool} failed: `)).toBe(true);
    expect(e.message).not.toContain(tempRoot);
  });
});
