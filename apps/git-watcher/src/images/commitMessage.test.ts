import { describe, expect, it } from 'vitest';
import { commitMessage, renderGoTemplate, type FileChanges } from './commitMessage.js';

const files: FileChanges[] = [
  { path: 'deploy/web.yaml', changes: [{ line: 12, oldValue: 'r/hello:1.0.0', newValue: 'r/hello:1.0.1', setter: 'apps:hello' }] },
  { path: 'deploy/kustomization.yaml', changes: [{ line: 4, oldValue: '1.0.0', newValue: '1.0.1', setter: 'apps:hello:tag' }] },
];

describe('commitMessage', () => {
  it('says what changed, where, and which automation did it', () => {
    expect(commitMessage('apps/hello', files)).toEqual({
      ok: true,
      message: 'Update images: r/hello:1.0.1\n\ndeploy/web.yaml:12 r/hello:1.0.0 -> r/hello:1.0.1\ndeploy/kustomization.yaml:4 1.0.0 -> 1.0.1\n\nAutomation: apps/hello (ImageUpdateAutomation)\n',
    });
  });

  it('renders a Flux-style template', () => {
    const template = `Automated image update by {{ .AutomationObject }}

{{ range .Changed.Changes -}}
- {{ print .OldValue }} -> {{ println .NewValue -}}
{{ end -}}
Images: {{ range .Updated.Images }}{{ . }} {{ end }}`;
    expect(commitMessage('apps/hello', files, template)).toEqual({
      ok: true,
      message: 'Automated image update by apps/hello\n\n- r/hello:1.0.0 -> r/hello:1.0.1\n- 1.0.0 -> 1.0.1\nImages: r/hello:1.0.1 ',
    });
  });

  it('ranges over files as Go ranges a map: by sorted key', () => {
    expect(renderGoTemplate('{{range $f := .Updated.Files}}{{end}}', {}).ok).toBe(false);
    const r = commitMessage('a/b', files, '{{ range .Changed.FileChanges }}{{ range . }}{{ printf "%s=%q;" .Setter .NewValue }}{{ end }}{{ end }}');
    expect(r).toEqual({ ok: true, message: 'apps:hello:tag="1.0.1";apps:hello="r/hello:1.0.1";' });
  });

  it.each([
    ['{{ .Nope }}', 'messageTemplate: can\'t evaluate field Nope in .Nope'],
    ['{{ range .Changed.Changes }}', 'messageTemplate: {{range .Changed.Changes}} has no {{end}}'],
    ['{{ end }}', 'messageTemplate: unexpected {{end}}'],
    ['{{ len .Changed }}', 'messageTemplate: unsupported action {{len .Changed}}'],
    ['{{ if .Changed.Changes }}{{ end }}', 'the messageTemplate rendered an empty message'],
  ])('refuses %s as a value', (template, message) => {
    expect(commitMessage('a/b', files, template)).toEqual({ ok: false, message });
  });
});
