import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { colorizeDiff, maskSecrets, unifiedObjectDiff } from './objectDiff.js';

const cm = (data: Record<string, string>, extra: Record<string, unknown> = {}): KubeObject =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web', namespace: 'shop', ...extra }, data }) as KubeObject;
const secret = (data: Record<string, string>, stringData?: Record<string, string>): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db', namespace: 'shop' }, data, ...(stringData ? { stringData } : {}) }) as KubeObject;

describe('unifiedObjectDiff', () => {
  it('is empty when only server-written metadata and status differ', () => {
    const live = { ...cm({ color: 'blue' }, { resourceVersion: '7', uid: 'u', managedFields: [{ manager: 'x' }], creationTimestamp: '2026-01-01T00:00:00Z' }), status: { x: 1 } };
    expect(unifiedObjectDiff('ConfigMap shop/web', live, cm({ color: 'blue' }))).toBe('');
  });

  it('shows a changed value as one removed and one added line', () => {
    const out = unifiedObjectDiff('ConfigMap shop/web', cm({ color: 'blue', size: 'm' }), cm({ color: 'green', size: 'm' }));
    expect(out).toContain('--- live/ConfigMap shop/web');
    expect(out).toContain('+++ git/ConfigMap shop/web');
    expect(out.split('\n').filter((l) => /^[-+] /.test(l))).toEqual(['-  color: blue', '+  color: green']);
  });

  it('shows a create against /dev/null and a prune the other way', () => {
    expect(unifiedObjectDiff('ConfigMap shop/web', undefined, cm({ a: '1' }))).toMatch(/--- \/dev\/null[\s\S]*\+kind: ConfigMap/);
    expect(unifiedObjectDiff('ConfigMap shop/web', cm({ a: '1' }), undefined)).toMatch(/\+\+\+ \/dev\/null[\s\S]*-kind: ConfigMap/);
  });

  it('never prints a secret value, and tells a changed one from an unchanged one', () => {
    const live = secret({ password: Buffer.from('hunter2').toString('base64'), user: Buffer.from('admin').toString('base64') });
    const wanted = secret({ user: Buffer.from('admin').toString('base64') }, { password: 'correct horse' });
    const out = unifiedObjectDiff('Secret shop/db', live, wanted);
    expect(out).not.toMatch(/hunter2|aHVudGVyMg|correct horse|Y29ycmVjdCBob3JzZQ|YWRtaW4/);
    // user is the same mask on both sides (context), password moved from data to stringData with a new value.
    expect(out).toContain(' user: <secret value 2>');
    expect(out).toContain('-  password: <secret value 1>');
    expect(out).toContain('+  password: <secret value 3>');
  });

  it('masks a stringData value the same as the data value it will be stored as', () => {
    const [a, b] = maskSecrets([secret({ k: Buffer.from('v').toString('base64') }), secret({}, { k: 'v' })]);
    expect((a as unknown as { data: Record<string, string> }).data.k).toBe((b as unknown as { stringData: Record<string, string> }).stringData.k);
  });
});

describe('colorizeDiff', () => {
  it('colours removed lines red, added green, hunks cyan', () => {
    const out = colorizeDiff('@@ -1 +1 @@\n-a\n+b\n c');
    expect(out).toBe('\u001b[36m@@ -1 +1 @@\u001b[0m\n\u001b[31m-a\u001b[0m\n\u001b[32m+b\u001b[0m\n c');
  });
});
