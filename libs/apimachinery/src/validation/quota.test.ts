import { describe, expect, it } from 'vitest';
import { applyDefaults, findResource } from '../kinds/registry.js';
import { toTable } from '../tables.js';
import type { KubeObject } from '../types.js';
import { updateCauses, validationCauses } from '../validation.js';

const QUOTAS = findResource('', 'v1', 'resourcequotas')!;
const LIMITS = findResource('', 'v1', 'limitranges')!;

const quota = (spec: Record<string, unknown>, status?: Record<string, unknown>): KubeObject => ({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: 'default' }, spec, ...(status ? { status } : {}) });
const limitRange = (limits: unknown[]): KubeObject => ({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'l', namespace: 'default' }, spec: { limits } });
const messages = (o: KubeObject, type = QUOTAS) => validationCauses(applyDefaults(o), type).map((c) => `${c.field}: ${c.message}`);

describe('ResourceQuota validation', () => {
  it.each([
    [{ hard: { pods: '2', 'requests.cpu': '1', 'count/deployments.apps': '3' } }, []],
    [{ hard: { pods: '-1' } }, ['spec.hard[pods]: Invalid value: "-1": must be greater than or equal to 0']],
    [{ hard: { pods: '1500m' } }, ['spec.hard[pods]: Invalid value: "1500m": must be an integer']],
    [{ hard: { widgets: '1' } }, ['spec.hard[widgets]: Invalid value: "widgets": must be a standard resource type or fully qualified', 'spec.hard[widgets]: Invalid value: "widgets": must be a standard resource for quota']],
    [{ hard: { pods: 'lots' } }, ["spec.hard[pods]: Invalid value: \"lots\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"]],
    [{ hard: { 'requests.cpu': '1' }, scopes: ['BestEffort'] }, ['spec.scopes: Invalid value: []core.ResourceQuotaScope{"BestEffort"}: unsupported scope applied to resource']],
    [{ hard: { pods: '1' }, scopes: ['Terminating', 'NotTerminating'] }, ['spec.scopes: Invalid value: []core.ResourceQuotaScope{"Terminating", "NotTerminating"}: conflicting scopes']],
  ])('%j -> %j', (spec, expected) => {
    expect(messages(quota(spec))).toEqual(expected);
  });
});

describe('ResourceQuota update validation', () => {
  it('keeps the scopes', () => {
    const before = quota({ hard: { pods: '1' }, scopes: ['BestEffort'] });
    expect(updateCauses(quota({ hard: { pods: '2' }, scopes: ['BestEffort'] }), before, QUOTAS)).toEqual([]);
    expect(updateCauses(quota({ hard: { pods: '2' }, scopes: ['NotBestEffort'] }), before, QUOTAS).map((c) => c.message)).toEqual(['Invalid value: []core.ResourceQuotaScope{"NotBestEffort"}: field is immutable']);
  });
});

describe('LimitRange validation and defaults', () => {
  it('defaults a Container item from max, then default, then min', () => {
    const out = applyDefaults(limitRange([{ type: 'Container', max: { cpu: '1' }, min: { memory: '10Mi' } }]));
    expect((out.spec as { limits: unknown[] }).limits[0]).toEqual({ type: 'Container', max: { cpu: '1' }, min: { memory: '10Mi' }, default: { cpu: '1' }, defaultRequest: { cpu: '1', memory: '10Mi' } });
  });

  it.each([
    [[{ type: 'Container', default: { cpu: '500m' }, max: { cpu: '1' } }], []],
    [[{ type: 'Pod', max: { cpu: '2' } }, { type: 'PersistentVolumeClaim', max: { storage: '1Gi' } }], []],
    [[{ type: 'Container', min: { cpu: '2' }, max: { cpu: '1' } }], [
      'spec.limits[0].min[cpu]: Invalid value: "2": min value 2 is greater than max value 1',
      'spec.limits[0].defaultRequest[cpu]: Invalid value: "1": min value 2 is greater than default request value 1',
      'spec.limits[0].default[cpu]: Invalid value: "2": min value 2 is greater than default value 1',
    ]],
    [[{ type: 'Pod', default: { cpu: '1' } }], ["spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'"]],
    [[{ type: 'Container', maxLimitRequestRatio: { cpu: '500m' } }], ['spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: "500m": ratio 500m is less than 1']],
    [[{ type: 'Pod', max: { cpu: '1' } }, { type: 'Pod', max: { cpu: '2' } }], ['spec.limits[1].type: Duplicate value: "Pod"']],
    [[{ type: 'Widget' }], ['spec.limits[0].type: Invalid value: "Widget": must be a standard limit type or fully qualified']],
    [[{ type: 'PersistentVolumeClaim' }], ['spec.limits[0].limits: Required value: either minimum or maximum storage value is required, but neither was provided']],
  ])('%j -> %j', (limits, expected) => {
    expect(messages(limitRange(limits), LIMITS)).toEqual(expected);
  });
});

describe('quota tables', () => {
  it('prints used/hard per resource, limits apart, and a LimitRange creation time', () => {
    const rq = quota({ hard: { pods: '2' } }, { hard: { pods: '2', 'requests.cpu': '1', 'limits.memory': '1Gi' }, used: { pods: '1', 'requests.cpu': '500m', 'limits.memory': '512Mi' } });
    rq.metadata.creationTimestamp = '2026-01-01T00:00:00Z';
    const table = toTable([rq], QUOTAS, { now: new Date('2026-01-01T00:05:00Z') }) as unknown as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Age', 'Request', 'Limit']);
    expect(table.rows[0].cells).toEqual(['q', '5m', 'pods: 1/2, requests.cpu: 500m/1', 'limits.memory: 512Mi/1Gi']);
    const lr = limitRange([]);
    lr.metadata.creationTimestamp = '2026-01-01T00:00:00Z';
    const lt = toTable([lr], LIMITS, { now: new Date() }) as unknown as { columnDefinitions: { name: string }[]; rows: { cells: unknown[] }[] };
    expect(lt.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Created At']);
    expect(lt.rows[0].cells).toEqual(['l', '2026-01-01T00:00:00Z']);
  });
});
