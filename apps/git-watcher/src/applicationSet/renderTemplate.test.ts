import { describe, expect, it } from 'vitest';
import { flattenParams, pathParams, renderTemplate } from './renderTemplate.js';

describe('renderTemplate', () => {
  it.each([
    { case: 'legacy basename', template: 'shop-{{path.basename}}', params: pathParams('envs/prod-eu', false), goTemplate: false, out: 'shop-prod-eu' },
    { case: 'legacy segment', template: '{{path[0]}}/{{ path[1] }}', params: pathParams('envs/prod-eu', false), goTemplate: false, out: 'envs/prod-eu' },
    { case: 'legacy unknown stays', template: '{{cluster}}-{{path}}', params: pathParams('a', false), goTemplate: false, out: '{{cluster}}-a' },
    { case: 'legacy normalized', template: '{{path.basenameNormalized}}', params: pathParams('envs/Prod_EU', false), goTemplate: false, out: 'prod-eu' },
    { case: 'legacy flattened list element', template: '{{values.replicas}} in {{cluster}}', params: flattenParams({ cluster: 'east', values: { replicas: 3 } }), goTemplate: false, out: '3 in east' },
    { case: 'go field path', template: 'shop-{{ .path.basename }}', params: pathParams('envs/dev', true), goTemplate: true, out: 'shop-dev' },
    { case: 'go index', template: '{{ index .path.segments 0 }}', params: pathParams('envs/dev', true), goTemplate: true, out: 'envs' },
  ])('$case', ({ template, params, goTemplate, out }) => {
    expect(renderTemplate(template, params, goTemplate)).toEqual({ ok: true, value: out });
  });

  it('renders keys and nested values, leaves numbers and booleans alone', () => {
    const t = { metadata: { name: '{{name}}', labels: { '{{key}}': 'v' } }, spec: { replicas: 2, on: true, list: ['{{name}}'] } };
    expect(renderTemplate(t, { name: 'a', key: 'team' })).toEqual({ ok: true, value: { metadata: { name: 'a', labels: { team: 'v' } }, spec: { replicas: 2, on: true, list: ['a'] } } });
  });

  it.each([
    { template: '{{ .nope }}', message: 'template: {{.nope}}: no such parameter' },
    { template: '{{ .path.basename | upper }}', message: 'template: {{.path.basename | upper}}: only field paths and index are supported' },
  ])('go template error: $template', ({ template, message }) => {
    expect(renderTemplate(template, pathParams('a/b', true), true)).toEqual({ ok: false, message });
  });

  it('pathParams of a file: filename and the directory', () => {
    expect(pathParams('config/east', false, 'config.json')).toEqual({
      path: 'config/east',
      'path.basename': 'east',
      'path.basenameNormalized': 'east',
      'path.filename': 'config.json',
      'path.filenameNormalized': 'config.json',
      'path[0]': 'config',
      'path[1]': 'east',
    });
  });
});
