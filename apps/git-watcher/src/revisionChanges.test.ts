import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { revisionChanges } from './revisionChanges.js';

const cm = (name: string, data: Record<string, string>) => ({ object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data } as KubeObject, file: `${name}.yaml`, line: 1 });
const secret = (value: string) => ({ object: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, stringData: { password: value } } as unknown as KubeObject, file: 'db.yaml', line: 1 });

describe('revisionChanges', () => {
  it('shows changed, added and removed objects in key order, unchanged ones not at all', () => {
    const out = revisionChanges([cm('a', { v: 'one' }), cm('gone', { x: '1' }), cm('same', { s: '1' })], [cm('a', { v: 'two' }), cm('new', { y: '1' }), cm('same', { s: '1' })]);
    expect(out).toContain('--- before/ConfigMap a\n+++ after/ConfigMap a\n');
    expect(out).toContain('-  v: one');
    expect(out).toContain('+  v: two');
    expect(out).toContain('+++ /dev/null');
    expect(out).toContain('--- /dev/null');
    expect(out).not.toContain('ConfigMap same');
    expect(out.indexOf('ConfigMap gone')).toBeLessThan(out.indexOf('ConfigMap new'));
  });

  it('masks Secret values', () => {
    const out = revisionChanges([secret('hunter2')], [secret('correct horse')]);
    expect(out).toContain('password: <secret value');
    expect(out).not.toMatch(/hunter2|correct horse/);
  });

  it('cuts a long text at a line and says how many lines were left out', () => {
    const big = Object.fromEntries(Array.from({ length: 400 }, (_, i) => [`k${i}`, `value-${i}`]));
    const out = revisionChanges([], [cm('big', big)], 1000);
    expect(out.length).toBeLessThan(1100);
    expect(out).toMatch(/\.\.\. \d+ more lines\n$/);
  });
});
