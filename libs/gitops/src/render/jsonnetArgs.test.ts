import { describe, expect, it } from 'vitest';
import { jsonnetArgs } from './jsonnetArgs.js';

describe('jsonnetArgs', () => {
  it('libs as -J from the repository root, ext vars and TLAs as strings or code, the file last', () => {
    expect(
      jsonnetArgs('/t/tree/app/main.jsonnet', { libs: ['vendor', './lib/'], extVars: [{ name: 'env', value: 'prod' }, { name: 'replicas', value: '3', code: true }], tlas: [{ name: 'name', value: 'web' }, { name: 'debug', value: 'false', code: true }] }, '/t/tree'),
    ).toEqual([
      '-J', '/t/tree/vendor', '-J', '/t/tree/lib/',
      '--ext-str', 'env=prod', '--ext-code', 'replicas=3',
      '--tla-str', 'name=web', '--tla-code', 'debug=false',
      '/t/tree/app/main.jsonnet',
    ]);
  });

  it('nothing but the file without options', () => {
    expect(jsonnetArgs('/t/a.jsonnet', undefined, '/t')).toEqual(['/t/a.jsonnet']);
  });
});
