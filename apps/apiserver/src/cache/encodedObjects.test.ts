import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/apimachinery';
import { encodeJson } from '../negotiate.js';
import { encodeListJson, holdEncoded } from './encodedObjects.js';

const cm = (name: string, value: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { value } });

describe('encodeListJson', () => {
  it.each([
    { what: 'no items', items: [] },
    { what: 'held and unheld items, with characters Go escapes', items: [cm('a', '<b> & \u2028'), cm('b', 'plain')] },
  ])('writes the bytes encodeJson writes: $what', ({ items }) => {
    if (items[0]) holdEncoded(items[0]);
    const list = { apiVersion: 'v1', kind: 'ConfigMapList', metadata: { resourceVersion: '7', continue: 'x' }, items };
    expect(encodeListJson(list).toString()).toBe(encodeJson(list));
    expect(encodeListJson(list).toString()).toBe(encodeJson(list));
  });
});
