import { describe, expect, it } from 'vitest';
import { openApiV3Document, openApiV3Index } from './openapi.js';

type Schema = { properties?: Record<string, Schema>; items?: Schema; $ref?: string; [k: string]: unknown };
const doc = (path: string) => JSON.parse(openApiV3Document(path)!) as { components: { schemas: Record<string, Schema> } };

describe('OpenAPI v3 documents', () => {
  it('lists a document per group-version', () => {
    const paths = Object.keys((openApiV3Index() as { paths: Record<string, unknown> }).paths);
    expect(paths).toEqual(expect.arrayContaining(['api/v1', 'apis/apps/v1', 'apis/policy/v1', 'apis/skiff.dev/v1alpha1']));
  });

  it("describes each kind's fields with types, its root marked with its group, version and kind", () => {
    const schemas = doc('api/v1').components.schemas;
    const pod = schemas['io.k8s.api.v1.Pod'];
    expect(pod['x-kubernetes-group-version-kind']).toEqual([{ group: '', version: 'v1', kind: 'Pod' }]);
    expect(pod.properties?.spec).toEqual({ $ref: '#/components/schemas/io.k8s.api.v1.PodSpec' });
    const spec = schemas['io.k8s.api.v1.PodSpec'].properties!;
    expect(spec.activeDeadlineSeconds).toEqual({ type: 'integer', format: 'int64' });
    expect(spec.nodeSelector).toEqual({ type: 'object', additionalProperties: { type: 'string' } });
    expect(schemas['io.k8s.api.v1.ContainerPort'].properties?.containerPort).toEqual({ type: 'integer', format: 'int32' });
    expect(schemas['io.k8s.api.core.v1.Event']['x-kubernetes-group-version-kind']).toEqual([{ group: '', version: 'v1', kind: 'Event' }]);
  });

  it('marks strategic-merge lists with their merge keys, as kubectl apply reads them', () => {
    const schemas = doc('api/v1').components.schemas;
    expect(schemas['io.k8s.api.v1.PodSpec'].properties?.containers).toMatchObject({ type: 'array', 'x-kubernetes-patch-merge-key': 'name', 'x-kubernetes-patch-strategy': 'merge' });
    expect(schemas['io.k8s.api.v1.Container'].properties?.ports).toMatchObject({ 'x-kubernetes-patch-merge-key': 'containerPort', 'x-kubernetes-patch-strategy': 'merge' });
    expect(schemas['io.k8s.api.v1.ServiceSpec'].properties?.ports).toMatchObject({ 'x-kubernetes-patch-merge-key': 'port' });
    expect(schemas['io.k8s.api.v1.ObjectMeta'].properties?.finalizers).toMatchObject({ 'x-kubernetes-patch-strategy': 'merge' });
    expect(schemas['io.k8s.api.v1.PodSpec'].properties?.hostAliases).toMatchObject({ 'x-kubernetes-patch-merge-key': 'ip' });
    const apps = doc('apis/apps/v1').components.schemas;
    expect(apps['io.k8s.api.v1.Deployment']['x-kubernetes-group-version-kind']).toEqual([{ group: 'apps', version: 'v1', kind: 'Deployment' }]);
    expect(apps['io.k8s.api.v1.PodSpec'].properties?.volumes).toMatchObject({ 'x-kubernetes-patch-merge-key': 'name' });
  });
});
