import type { KubeObject, ResourceType } from '@skiff/apimachinery';
import { cacheReaderOf, type ReconcileContext } from '@skiff/controller-runtime';
import { describe, expect, it } from 'vitest';
import { extraneousObjects } from './extraneousObjects.js';
import { WATCHED_KINDS } from './resources.js';
import { APPLICATION_INDEX, applicationIndex, TRACKING_ID, trackingId, type AppRef } from './tracking.js';

const CONFIGMAPS = WATCHED_KINDS.find((t) => t.group === '' && t.resource === 'configmaps')!;

const configMap = (name: string, app?: AppRef): KubeObject => {
  const obj: KubeObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'web' } };
  if (app) obj.metadata.annotations = { [TRACKING_ID]: trackingId(app, obj) };
  return obj;
};

describe('extraneousObjects', () => {
  const mine: AppRef = { namespace: 'default', name: 'web' };
  const other: AppRef = { namespace: 'default', name: 'api' };
  const argo: AppRef = { namespace: 'default', name: 'web', face: 'argoproj.io' };
  const live = [configMap('kept', mine), configMap('gone', mine), configMap('theirs', other), configMap('argo-web', argo), configMap('untracked')];
  const reader = cacheReaderOf((type: ResourceType) => (type.group === '' && type.resource === 'configmaps' ? live : []), { [APPLICATION_INDEX]: applicationIndex });

  it('finds the live objects the Application tracks that git no longer has, through the index of tracked objects', () => {
    const ctx = reader as ReconcileContext;
    const desired = [{ object: configMap('kept', mine), type: CONFIGMAPS, file: 'cm.yaml', line: 1 }];
    expect(extraneousObjects(ctx, mine, desired).map((o) => o.metadata.name)).toEqual(['gone']);
    // Argo CD's Application of the same name is another Application.
    expect(extraneousObjects(ctx, argo, []).map((o) => o.metadata.name)).toEqual(['argo-web']);
    expect(extraneousObjects(ctx, { namespace: 'default', name: 'none' }, [])).toEqual([]);
  });

  it('indexes an object under the Application in its tracking id, and nothing else under any', () => {
    expect(applicationIndex(configMap('a', mine))).toEqual([':default/web']);
    expect(applicationIndex(configMap('a', argo))).toEqual(['argoproj.io:default/web']);
    expect(applicationIndex(configMap('a'))).toEqual([]);
  });
});
