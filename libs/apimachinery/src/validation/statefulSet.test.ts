import { describe, expect, it } from 'vitest';
import { defaultStatefulSet } from '../defaults/statefulSet.js';
import type { KubeObject } from '../types.js';
import type { FieldErrors } from './fieldErrors.js';
import { validateControllerRevision, validateControllerRevisionUpdate, validateStatefulSet, validateStatefulSetUpdate } from './statefulSet.js';

function sts(spec: Record<string, unknown> = {}): KubeObject {
  const set: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      serviceName: 'web',
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx', volumeMounts: [{ name: 'www', mountPath: '/data' }] }] } },
      volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      ...spec,
    },
  };
  defaultStatefulSet(set);
  return set;
}

function errorsOf(set: KubeObject): string[] {
  const errs: FieldErrors = [];
  validateStatefulSet(set, errs);
  return errs.map((e) => `${e.field}: ${e.message}`);
}

describe('defaultStatefulSet', () => {
  it('fills in Kubernetes’ defaults', () => {
    const set = sts();
    expect(set.spec).toMatchObject({
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      replicas: 1,
      revisionHistoryLimit: 10,
    });
    expect((set.spec as { volumeClaimTemplates: unknown[] }).volumeClaimTemplates[0]).toMatchObject({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', spec: { volumeMode: 'Filesystem' }, status: { phase: 'Pending' } });
    expect(set.status).toEqual({ replicas: 0, availableReplicas: 0 });
    expect((set.spec as { minReadySeconds?: number }).minReadySeconds).toBeUndefined();
  });

  it('keeps what the user set; OnDelete gets no rollingUpdate', () => {
    const set = sts({ podManagementPolicy: 'Parallel', updateStrategy: { type: 'OnDelete' }, replicas: 3, persistentVolumeClaimRetentionPolicy: { whenScaled: 'Delete' } });
    expect(set.spec).toMatchObject({ podManagementPolicy: 'Parallel', updateStrategy: { type: 'OnDelete' }, replicas: 3, persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' } });
    expect((set.spec as { updateStrategy: object }).updateStrategy).toEqual({ type: 'OnDelete' });
  });
});

describe('validateStatefulSet', () => {
  it('accepts a defaulted set whose containers mount a claim template', () => {
    expect(errorsOf(sts())).toEqual([]);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['selector not matching the template', { selector: { matchLabels: { app: 'db' } } }, 'spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`'],
    ['empty selector', { selector: {} }, 'spec.selector: Invalid value: {}: empty selector is not valid for statefulset.'],
    ['bad pod management policy', { podManagementPolicy: 'Random' }, `spec.podManagementPolicy: Invalid value: "Random": must be 'OrderedReady' or 'Parallel'`],
    ['bad update strategy', { updateStrategy: { type: 'Recreate' } }, `spec.updateStrategy: Invalid value: map[string]string{"type":"Recreate"}: must be 'RollingUpdate' or 'OnDelete'`],
    ['OnDelete with rollingUpdate', { updateStrategy: { type: 'OnDelete', rollingUpdate: { partition: 1 } } }, `spec.updateStrategy.rollingUpdate: Invalid value: {"partition":1}: only allowed for updateStrategy 'RollingUpdate'`],
    ['negative partition', { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: -1 } } }, 'spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0'],
    ['negative replicas', { replicas: -1 }, 'spec.replicas: Invalid value: -1: must be greater than or equal to 0'],
    ['negative minReadySeconds', { minReadySeconds: -5 }, 'spec.minReadySeconds: Invalid value: -5: must be greater than or equal to 0'],
    ['bad retention', { persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Keep', whenScaled: 'Retain' } }, 'spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: "Delete", "Retain"'],
    ['bad service name', { serviceName: 'Web_Svc' }, 'spec.serviceName: Invalid value: "Web_Svc": '],
    ['claim template without access modes', { volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { resources: { requests: { storage: '1Gi' } } } }] }, 'spec.volumeClaimTemplates[0].spec.accessModes: Required value: at least 1 access mode is required'],
    ['claim template without storage', { volumeClaimTemplates: [{ metadata: { name: 'www' }, spec: { accessModes: ['ReadWriteOnce'] } }] }, 'spec.volumeClaimTemplates[0].spec.resources[storage]: Required value'],
    ['claim template with a bad name', { volumeClaimTemplates: [{ metadata: { name: 'WWW' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }] }, 'spec.volumeClaimTemplates[0].metadata.name: Invalid value: "WWW": '],
    ['restartPolicy Never', { template: { metadata: { labels: { app: 'web' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'x' }] } } }, 'spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
  ])('%s', (_, spec, want) => {
    expect(errorsOf(sts(spec)).some((e) => e.startsWith(want))).toBe(true);
  });

  it('a mount of a volume that is neither in the template nor a claim template is refused', () => {
    expect(errorsOf(sts({ volumeClaimTemplates: [] })).some((e) => e.startsWith('spec.template.spec.containers[0].volumeMounts[0].name: Not found: "www"'))).toBe(true);
  });
});

describe('validateStatefulSetUpdate', () => {
  it.each<[string, Record<string, unknown>, boolean]>([
    ['replicas', { replicas: 5 }, true],
    ['template', { template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } }, true],
    ['update strategy', { updateStrategy: { type: 'OnDelete' } }, true],
    ['retention policy', { persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Delete' } }, true],
    ['minReadySeconds', { minReadySeconds: 10 }, true],
    ['ordinals', { ordinals: { start: 2 } }, true],
    ['serviceName', { serviceName: 'other' }, false],
    ['selector', { selector: { matchLabels: { app: 'web', x: 'y' } } }, false],
    ['volumeClaimTemplates', { volumeClaimTemplates: [] }, false],
    ['podManagementPolicy', { podManagementPolicy: 'Parallel' }, false],
  ])('changing %s: allowed %s', (_, change, allowed) => {
    const prev = sts();
    const next = { ...prev, spec: { ...(prev.spec as object), ...change } };
    const errs: FieldErrors = [];
    validateStatefulSetUpdate(next, prev, errs);
    expect(errs.length === 0).toBe(allowed);
    if (!allowed) expect(errs[0]).toMatchObject({ field: 'spec', reason: 'FieldValueForbidden' });
  });

  it('the collision count may not go down', () => {
    const errs: FieldErrors = [];
    validateStatefulSetUpdate({ ...sts(), status: { collisionCount: 1 } }, { ...sts(), status: { collisionCount: 2 } }, errs);
    expect(errs.map((e) => e.message)).toEqual(['Invalid value: 1: cannot be decremented']);
  });
});

describe('ControllerRevision', () => {
  const rev = (data: unknown, revision: number): KubeObject => ({ apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'web-abc' }, data, revision });
  it.each<[string, KubeObject, string[]]>([
    ['valid', rev({ spec: {} }, 1), []],
    ['no data', rev(undefined, 1), ['data: Required value: data is mandatory']],
    ['negative revision', rev({}, -1), ['revision: Invalid value: -1: must be greater than or equal to 0']],
  ])('%s', (_, r, want) => {
    const errs: FieldErrors = [];
    validateControllerRevision(r, errs);
    expect(errs.map((e) => `${e.field}: ${e.message}`)).toEqual(want);
  });
  it('data is immutable, the revision number is not', () => {
    const errs: FieldErrors = [];
    validateControllerRevisionUpdate(rev({ a: 1 }, 2), rev({ a: 1 }, 1), errs);
    expect(errs).toEqual([]);
    validateControllerRevisionUpdate(rev({ a: 2 }, 1), rev({ a: 1 }, 1), errs);
    expect(errs.map((e) => e.field)).toEqual(['data']);
  });
});
