import type { KubeObject, ResourceType } from '@skiff/apimachinery';
import { cacheReaderOf } from '@skiff/controller-runtime';
import { ApiClient } from '@skiff/kube-client';
import { describe, expect, it } from 'vitest';
import { listFromCache, managedObjects } from './managedObjects.js';
import { MANAGED_KINDS } from './resources.js';
import { APP_LABEL, APPLICATION_INDEX, applicationIndex, TRACKING_ID, trackingId, type AppRef } from './tracking.js';

const kind = (resource: string) => MANAGED_KINDS.find((t) => t.resource === resource)!;
const DEPLOYMENTS = kind('deployments');
const REPLICASETS = kind('replicasets');

describe('managedObjects from the informers', () => {
  const app: AppRef = { namespace: 'default', name: 'demo' };
  const deployment: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'demo', labels: { [APP_LABEL]: 'demo' } } };
  deployment.metadata.annotations = { [TRACKING_ID]: trackingId(app, deployment) };
  // The Deployment controller copies the Deployment's annotations (tracking id included) onto its ReplicaSets, not its labels.
  const replicaSet: KubeObject = { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-abc', namespace: 'demo', labels: { 'pod-template-hash': 'abc' }, annotations: { ...deployment.metadata.annotations } } };
  const live = new Map<ResourceType, KubeObject[]>([[DEPLOYMENTS, [deployment]], [REPLICASETS, [replicaSet]]]);
  const reader = cacheReaderOf((type) => live.get(type) ?? [], { [APPLICATION_INDEX]: applicationIndex });

  it('finds what the label selector finds among the tracked, not a controller\'s copies carrying the tracking id', async () => {
    // Every kind here is cached: the client is never called.
    const list = listFromCache(reader, new Set(MANAGED_KINDS), new ApiClient({ server: 'http://127.0.0.1:1', token: 'unused' }));
    const found = await managedObjects(list, app, []);
    expect(found.map((m) => `${m.object.kind}/${m.object.metadata.name}`)).toEqual(['Deployment/web']);
  });
});
