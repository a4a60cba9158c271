import { describe, expect, it } from 'vitest';
import { ATOMIC_LISTS, patchSchemaFor } from '@skiff/apimachinery';
import { driftedFields, type DriftedField } from './driftedFields.js';

const deployment = (spec: Record<string, unknown>) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', labels: { app: 'web' } }, spec });
const template = (containers: unknown[]) => ({ template: { metadata: { labels: { app: 'web' } }, spec: { containers } } });

describe('driftedFields', () => {
  it.each<[string, object, object, Omit<DriftedField, 'desiredPath' | 'livePath'>[]]>([
    ['no drift when equal', deployment({ replicas: 2 }), deployment({ replicas: 2 }), []],
    ['a changed scalar', deployment({ replicas: 2 }), deployment({ replicas: 5 }), [{ path: 'spec.replicas', desired: 2, live: 5 }]],
    [
      'server defaults and status do not count',
      deployment({ replicas: 2, ...template([{ name: 'web', image: 'v1' }]) }),
      { ...deployment({ replicas: 2, strategy: { type: 'RollingUpdate' }, ...template([{ name: 'web', image: 'v1', imagePullPolicy: 'IfNotPresent' }]) }), status: { replicas: 2 }, metadata: { name: 'web', labels: { app: 'web' }, uid: 'u', resourceVersion: '7' } },
      [],
    ],
    ['a removed field', deployment({ replicas: 2, paused: true }), deployment({ replicas: 2 }), [{ path: 'spec.paused', desired: true, live: undefined }]],
    [
      'containers matched by name, not position',
      deployment(template([{ name: 'web', image: 'v1' }, { name: 'side', image: 's1' }])),
      deployment(template([{ name: 'side', image: 's1' }, { name: 'web', image: 'v2' }, { name: 'injected', image: 'x' }])),
      [{ path: 'spec.template.spec.containers[name=web].image', desired: 'v1', live: 'v2' }],
    ],
    [
      'a named item missing from the live list',
      deployment(template([{ name: 'web', image: 'v1' }])),
      deployment(template([])),
      [{ path: 'spec.template.spec.containers[name=web]', desired: { name: 'web', image: 'v1' }, live: undefined }],
    ],
    [
      'scalar lists are atomic',
      { spec: { args: ['--port', '80'] } },
      { spec: { args: ['--port', '80', '--debug'] } },
      [{ path: 'spec.args', desired: ['--port', '80'], live: ['--port', '80', '--debug'] }],
    ],
    [
      'unnamed object lists by index, extra live items are drift',
      { spec: { ports: [{ port: 80 }] } },
      { spec: { ports: [{ port: 8080, protocol: 'TCP' }, { port: 443 }] } },
      [
        { path: 'spec.ports[0].port', desired: 80, live: 8080 },
        { path: 'spec.ports[1]', desired: undefined, live: { port: 443 } },
      ],
    ],
    [
      'map keys compared per key, keys with dots in brackets',
      { metadata: { labels: { 'app.kubernetes.io/name': 'web', tier: 'fe' } } },
      { metadata: { labels: { 'app.kubernetes.io/name': 'api', tier: 'fe', extra: 'x' } } },
      [{ path: 'metadata.labels[app.kubernetes.io/name]', desired: 'web', live: 'api' }],
    ],
    ['a map replaced by a scalar', { data: { a: '1' } }, { data: 'x' }, [{ path: 'data', desired: { a: '1' }, live: 'x' }]],
    ['a type change is drift', { spec: { replicas: 2 } }, { spec: { replicas: '2' } }, [{ path: 'spec.replicas', desired: 2, live: '2' }]],
    [
      "a Service's ports matched by their merge key, port",
      { apiVersion: 'v1', kind: 'Service', spec: { ports: [{ port: 443, targetPort: 8443 }] } },
      { apiVersion: 'v1', kind: 'Service', spec: { ports: [{ port: 80, targetPort: 8080 }, { port: 443, targetPort: 9443 }] } },
      [{ path: 'spec.ports[port=443].targetPort', desired: 8443, live: 9443 }],
    ],
    [
      'container ports matched by containerPort inside a container matched by name',
      deployment(template([{ name: 'web', ports: [{ containerPort: 80, name: 'http' }] }])),
      deployment(template([{ name: 'web', ports: [{ containerPort: 81, name: 'metrics' }, { containerPort: 80, name: 'web' }] }])),
      [{ path: 'spec.template.spec.containers[name=web].ports[containerPort=80].name', desired: 'http', live: 'web' }],
    ],
    [
      'finalizers merge as a set: only a missing one is drift',
      { metadata: { finalizers: ['a/b'] } },
      { metadata: { finalizers: ['c/d', 'a/b'] } },
      [],
    ],
  ])('%s', (_name, desired, live, expected) => {
    const kind = desired as { apiVersion?: string; kind?: string };
    const schema = kind.apiVersion && kind.kind ? patchSchemaFor(kind.apiVersion, kind.kind) : ATOMIC_LISTS;
    expect(driftedFields(desired, live, schema).map(({ path, desired, live }) => ({ path, desired, live }))).toEqual(expected);
  });

  it('says where a drifted field is in the manifest and in the live object (list items by their index in each)', () => {
    const desired = deployment(template([{ name: 'web', image: 'v1' }]));
    const live = deployment(template([{ name: 'sidecar', image: 's' }, { name: 'web', image: 'v2' }]));
    expect(driftedFields(desired, live, patchSchemaFor('apps/v1', 'Deployment'))).toEqual([
      {
        path: 'spec.template.spec.containers[name=web].image',
        desired: 'v1',
        live: 'v2',
        desiredPath: ['spec', 'template', 'spec', 'containers', 0, 'image'],
        livePath: ['spec', 'template', 'spec', 'containers', 1, 'image'],
      },
    ]);
  });
});

describe('driftedFields of Secrets', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const live = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, type: 'Opaque', data: { password: b64('hunter2'), user: b64('admin') } };
  const schema = patchSchemaFor('v1', 'Secret');

  it('reads stringData as the data it is stored as: no drift when the values match', () => {
    expect(driftedFields({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, stringData: { password: 'hunter2' }, data: { user: b64('admin') } }, live, schema)).toEqual([]);
  });

  it('reports a changed value without the value', () => {
    const drift = driftedFields({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, stringData: { password: 'correct horse' } }, live, schema);
    expect(drift).toEqual([expect.objectContaining({ path: 'data.password', desired: '<secret value in git>', live: '<live secret value>' })]);
    expect(JSON.stringify(drift)).not.toMatch(/hunter2|correct horse|aHVudGVyMg|Y29ycmVjdCBob3JzZQ/);
  });

  it('reports a missing key as missing', () => {
    expect(driftedFields({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'db' }, data: { token: b64('t') } }, live, schema)).toEqual([expect.objectContaining({ path: 'data.token', desired: '<secret value in git>', live: undefined })]);
  });
});
