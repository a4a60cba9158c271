import { describe, expect, it } from 'vitest';
import { applyServerSideApply, fieldPaths, recordUpdateManager } from './apply.js';
import { ConflictError } from './errors.js';
import { patchSchemaFor } from './patchSchema.js';
import type { KubeObject } from './types.js';

const schema = patchSchemaFor('v1', 'ConfigMap');
const NOW = '2026-11-25T10:00:00Z';
const cm = (data: Record<string, string>, labels?: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default', ...(labels ? { labels } : {}) }, data });

describe('server-side apply', () => {
  it('records the applied fields in FieldsV1 under the manager', () => {
    const out = applyServerSideApply(undefined, cm({ mode: 'fast' }, { app: 'x' }), 'kubectl', false, schema, NOW);
    expect(out.data).toEqual({ mode: 'fast' });
    expect(out.metadata.managedFields).toEqual([
      { manager: 'kubectl', operation: 'Apply', apiVersion: 'v1', time: NOW, fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:mode': {} }, 'f:metadata': { 'f:labels': { 'f:app': {} } } } },
    ]);
  });

  it('removes fields the manager stopped applying, keeps others\' fields', () => {
    let live = applyServerSideApply(undefined, cm({ a: '1', b: '2' }), 'tool', false, schema, NOW);
    live = recordUpdateManager(live, { ...live, data: { ...(live.data as object), c: '3' } }, 'kubectl-edit', NOW, schema);
    live = applyServerSideApply(live, cm({ a: '1' }), 'tool', false, schema, NOW);
    expect(live.data).toEqual({ a: '1', c: '3' });
  });

  it('a field another manager set differently is a conflict, unless forced', () => {
    let live = applyServerSideApply(undefined, cm({ a: '1' }), 'tool', false, schema, NOW);
    live = recordUpdateManager(live, { ...live, data: { a: '9' } }, 'kubectl-edit', NOW, schema);
    let thrown: unknown;
    try {
      applyServerSideApply(live, cm({ a: '1' }), 'tool', false, schema, NOW);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ConflictError);
    expect((thrown as ConflictError).details?.causes).toEqual([{ reason: 'FieldManagerConflict', message: 'conflict with "kubectl-edit" using v1', field: '.data.a' }]);
    const forced = applyServerSideApply(live, cm({ a: '1' }), 'tool', true, schema, NOW);
    expect(forced.data).toEqual({ a: '1' });
    expect(forced.metadata.managedFields?.map((m) => m.manager)).toEqual(['tool']);
  });

  it('keyed list elements are owned by key', () => {
    const pods = patchSchemaFor('v1', 'Pod');
    const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'web', image: 'v1' }] } };
    expect(fieldPaths(pod, pods).map((p) => p.join(' '))).toEqual(['f:spec f:containers k:{"name":"web"} .', 'f:spec f:containers k:{"name":"web"} f:name', 'f:spec f:containers k:{"name":"web"} f:image']);
  });
});
