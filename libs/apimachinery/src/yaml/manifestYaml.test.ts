import { describe, expect, it } from 'vitest';
import { jsonValueShapeProblem, loadManifestYaml, measureTree, measureValue, valueShapeProblem } from './manifestYaml.js';

/** `levels` levels of `width` aliases each: the billion-laughs shape. */
function aliasBomb(levels: number, width: number): string {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x]'];
  for (let i = 1; i <= levels; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: width }, () => `*a${i - 1}`).join(', ')}]`);
  return lines.join('\n');
}

describe('manifest YAML', () => {
  it('reads values as go-yaml does for manifests: no timestamps, ~ is null, merge keys merge', () => {
    expect(loadManifestYaml('date: 2024-01-01\nnothing: ~\nyes: True\nversion: 1.10\n')).toEqual({ date: '2024-01-01', nothing: null, yes: true, version: 1.1 });
    expect(loadManifestYaml('base: &b {a: 1, b: 2}\nmerged:\n  <<: *b\n  b: 3\n')).toEqual({ base: { a: 1, b: 2 }, merged: { a: 1, b: 3 } });
  });

  it('refuses 8 levels of 8 aliases before anything walks the 16 million nodes, in linear time', () => {
    const started = performance.now();
    expect(() => loadManifestYaml(aliasBomb(8, 8))).toThrow(/excessive aliasing: \d+ nodes would expand to \d+/);
    // Generous bound: the expansion itself would take many seconds and gigabytes.
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('accepts ordinary reuse of an anchor', () => {
    const env = '  env: &env [{name: A, value: "1"}, {name: B, value: "2"}]\n';
    const doc = `spec:\n${env}  containers:\n${['a', 'b', 'c', 'd'].map((n) => `  - {name: ${n}, env: *env}`).join('\n')}\n`;
    expect(() => loadManifestYaml(doc)).not.toThrow();
  });

  it('accepts a wide document without aliases: a ConfigMap of 20,000 keys, in YAML or JSON', () => {
    const data = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, 'v']));
    const yamlText = `kind: ConfigMap\ndata:\n${Object.keys(data).map((k) => `  ${k}: v`).join('\n')}\n`;
    expect((loadManifestYaml(yamlText) as { data: object }).data).toEqual(data);
    expect(jsonValueShapeProblem(JSON.parse(JSON.stringify({ kind: 'ConfigMap', data })))).toBeUndefined();
    // The same entries reached through an alias many times over are still aliasing.
    expect(() => loadManifestYaml(`base: &b {${Object.keys(data).slice(0, 2000).map((k) => `${k}: v`).join(', ')}}\nuses: [${Array.from({ length: 20 }, () => '*b').join(', ')}]\n`)).toThrow(/excessive aliasing/);
  });

  it('measures depth without recursion, and stops early past the limit', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 200_000; i++) deep = [deep];
    expect(measureValue(deep, 1000).depth).toBe(1001);
    expect(valueShapeProblem(deep)).toBe('the object is nested deeper than 1000 levels');
    expect(measureValue({ a: { b: [1, { c: 2 }] } })).toEqual({ nodes: 6, expanded: 6, depth: 3 });
  });

  it('measures what JSON.parse made as measureValue does, and refuses the same', () => {
    const texts = ['{"a":{"b":[1,{"c":2}]}}', '"scalar"', 'null', '[]', '{"items":[[],[[]],{"x":[1,2,3]}],"n":0}', JSON.stringify({ data: Object.fromEntries(Array.from({ length: 10_001 }, (_, i) => [`k${i}`, 'v'])) })];
    for (const text of texts) {
      const value = JSON.parse(text);
      expect(measureTree(value, 1000)).toEqual(measureValue(value, 1000));
      expect(jsonValueShapeProblem(value)).toBe(valueShapeProblem(value));
    }
    const deep = JSON.parse(`${'['.repeat(1500)}${']'.repeat(1500)}`);
    expect(measureTree(deep, 1000).depth).toBe(1001);
    expect(jsonValueShapeProblem(deep)).toBe('the object is nested deeper than 1000 levels');
  });
});
