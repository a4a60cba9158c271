import { describe, expect, it } from 'vitest';
import {
  configMapKeyErrors,
  dns1123SubdomainErrors,
  generateName,
  generateNameSuffix,
  isConfigMapKey,
  isDns1035Label,
  isDns1123Label,
  isDns1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPortName,
  NAME_SUFFIX_ALPHABET,
  qualifiedNameErrors,
  validateObjectName,
} from './names.js';

describe('DNS names', () => {
  it.each([
    ['web', true, true, true],
    ['web-1', true, true, true],
    ['1web', true, true, false],
    ['web.example.com', true, false, false],
    ['Web', false, false, false],
    ['web-', false, false, false],
    ['-web', false, false, false],
    ['web_1', false, false, false],
    ['', false, false, false],
    ['a'.repeat(63), true, true, true],
    ['a'.repeat(64), true, false, false],
    [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(61)}`, true, false, false],
    [`${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(62)}`, false, false, false],
  ])('%s: subdomain %s, label %s, DNS-1035 label %s', (value, subdomain, label, label1035) => {
    expect(isDns1123Subdomain(value)).toBe(subdomain);
    expect(isDns1123Label(value)).toBe(label);
    expect(isDns1035Label(value)).toBe(label1035);
  });

  it("words the subdomain rule as Kubernetes does", () => {
    expect(dns1123SubdomainErrors('Foo_Bar')).toEqual([
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]);
  });

  it.each([
    ['Deployment', 'Foo_Bar', /RFC 1123 subdomain/],
    ['Pod', 'a.b', null],
    ['Namespace', 'a.b', /^must not contain dots$/],
    ['Namespace', 'UPPER', /RFC 1123 label must consist/],
    ['Service', '1svc', /DNS-1035 label must consist/],
    ['Service', 'svc-1', null],
    ['ConfigMap', 'x'.repeat(254), /must be no more than 253 characters/],
  ])('a %s named %j', (kind, name, problem) => {
    const errs = validateObjectName(kind, name);
    if (problem === null) expect(errs).toEqual([]);
    else expect(errs.join('\n')).toMatch(problem);
  });

  it('accepts a generateName prefix ending in a dash', () => {
    expect(validateObjectName('Pod', 'web-', true)).toEqual([]);
    expect(validateObjectName('Pod', 'web-')).not.toEqual([]);
  });
});

describe('label keys and values', () => {
  it.each([
    ['app', true],
    ['app.kubernetes.io/name', true],
    ['example.com/My_Key.1', true],
    ['/name', false],
    ['Example.com/name', false],
    ['a/b/c', false],
    ['-app', false],
    ['', false],
    ['k'.repeat(64), false],
  ])('key %j valid: %s', (key, ok) => {
    expect(isQualifiedName(key)).toBe(ok);
  });

  it('explains a bad name part', () => {
    expect(qualifiedNameErrors('bad key')).toEqual([
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ]);
  });

  it.each([
    ['', true],
    ['v1.2_3-x', true],
    ['has space', false],
    ['-lead', false],
    ['x'.repeat(64), false],
  ])('value %j valid: %s', (value, ok) => {
    expect(isValidLabelValue(value)).toBe(ok);
  });
});

describe('other formats', () => {
  it.each([
    ['key.name', true],
    ['KEY_NAME', true],
    ['.env', true],
    ['..', false],
    ['..x', false],
    ['a/b', false],
  ])('config key %j valid: %s', (key, ok) => {
    expect(isConfigMapKey(key)).toBe(ok);
    if (!ok) expect(configMapKeyErrors(key).length).toBeGreaterThan(0);
  });

  it.each([
    ['http', true],
    ['web-8080', true],
    ['8080', false],
    ['HTTP', false],
    ['a--b', false],
    ['way-too-long-port-name', false],
  ])('port name %j valid: %s', (name, ok) => {
    expect(isValidPortName(name)).toBe(ok);
  });
});

describe('generated names', () => {
  it('uses five characters from the vowel-free alphabet', () => {
    for (let i = 0; i < 50; i++) {
      const suffix = generateNameSuffix();
      expect(suffix).toMatch(new RegExp(`^[${NAME_SUFFIX_ALPHABET}]{5}$`));
    }
  });

  it('is deterministic with an injected random source', () => {
    expect(generateNameSuffix(() => 0)).toBe('bbbbb');
    expect(generateNameSuffix(() => 0.9999)).toBe('99999');
  });

  it('cuts long bases so the name stays a valid label', () => {
    const name = generateName(`${'x'.repeat(70)}-`, () => 0);
    expect(name).toHaveLength(63);
    expect(name.endsWith('bbbbb')).toBe(true);
  });
});
