import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createBackend, startTestServer, type TestBackend } from './harness.js';
import type { RunningApiServer } from '../src/index.js';

const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const CRONTABS = '/apis/stable.example.com/v1/namespaces/default/crontabs';
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io';

const schema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['cronSpec'],
      properties: {
        cronSpec: { type: 'string', pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$' },
        image: { type: 'string' },
        replicas: { type: 'integer', minimum: 1, maximum: 10, default: 1 },
        selector: { type: 'string' },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer' } } },
        },
        args: { type: 'array', items: { type: 'string' } },
      },
    },
    status: { type: 'object', properties: { replicas: { type: 'integer' }, selector: { type: 'string' } } },
  },
};

function crontabCrd() {
  const version = (name: string, storage: boolean) => ({
    name,
    served: true,
    storage,
    schema: { openAPIV3Schema: schema },
    subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } },
    additionalPrinterColumns: [
      { name: 'Spec', type: 'string', jsonPath: '.spec.cronSpec' },
      { name: 'Replicas', type: 'integer', jsonPath: '.spec.replicas' },
      { name: 'Image', type: 'string', jsonPath: '.spec.image', priority: 1 },
      { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
    ],
  });
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'crontabs.stable.example.com' },
    spec: {
      group: 'stable.example.com',
      scope: 'Namespaced',
      names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', shortNames: ['ct'], categories: ['all'] },
      versions: [version('v1', true), version('v1beta1', false)],
    },
  };
}

function crontab(name: string, spec: Record<string, unknown> = {}, apiVersion = 'stable.example.com/v1') {
  return { apiVersion, kind: 'CronTab', metadata: { name }, spec: { cronSpec: '* * * * */5', image: 'my-cron-image', ...spec } };
}

describe('CustomResourceDefinitions in the API server', () => {
  let backend: TestBackend;
  let server: RunningApiServer;
  let call: ReturnType<typeof api>;

  /** Polls until `check` returns a value (not undefined), or fails after the deadline. */
  async function waitFor<T>(what: string, check: () => Promise<T | undefined>, deadlineMs = 10_000): Promise<T> {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      const v = await check();
      if (v !== undefined) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function established(name: string) {
    return waitFor(`${name} Established`, async () => {
      const crd = (await call('GET', `${CRDS}/${name}`)).json;
      return crd?.status?.conditions?.some((c: any) => c.type === 'Established' && c.status === 'True') ? crd : undefined;
    });
  }

  beforeAll(async () => {
    backend = await createBackend('postgres');
    server = await startTestServer(backend);
    call = api(server);
  });

  afterAll(async () => {
    await server?.close();
    await backend?.dispose();
  });

  it('refuses a CRD whose name is not <plural>.<group>, or whose schema is not structural, as kube-apiserver words it', async () => {
    const badName = await call('POST', CRDS, { ...crontabCrd(), metadata: { name: 'crontabs.example.com' } });
    expect(badName.status).toBe(422);
    expect(badName.json.details.causes).toContainEqual({ reason: 'FieldValueInvalid', field: 'metadata.name', message: 'Invalid value: "crontabs.example.com": must be spec.names.plural+"."+spec.group' });

    const crd = crontabCrd();
    (crd.spec.versions[0].schema.openAPIV3Schema as any) = { type: 'object', properties: { spec: { type: 'object', properties: { cronSpec: {} } } } };
    const nonStructural = await call('POST', CRDS, crd);
    expect(nonStructural.status).toBe(422);
    expect(nonStructural.json.message).toContain('CustomResourceDefinition.apiextensions.k8s.io "crontabs.stable.example.com" is invalid: ');
    expect(nonStructural.json.details.causes).toContainEqual({
      reason: 'FieldValueRequired',
      field: 'spec.versions[0].schema.openAPIV3Schema.properties[spec].properties[cronSpec].type',
      message: 'Required value: must not be empty for specified object fields',
    });

    const twoStorage = crontabCrd();
    twoStorage.spec.versions[1].storage = true;
    const refused = await call('POST', CRDS, twoStorage);
    expect(refused.status).toBe(422);
    expect(refused.json.details.causes).toContainEqual({ reason: 'FieldValueInvalid', field: 'spec.versions', message: 'Invalid value: ["v1","v1beta1"]: must have exactly one version marked as storage version' });
  });

  it('installs a CRD: accepted names, NamesAccepted and Established, and its kind served in discovery and OpenAPI', async () => {
    const created = await call('POST', CRDS, crontabCrd());
    expect(created.status).toBe(201);
    expect(created.json.status.storedVersions).toEqual(['v1']);
    const crd = await established('crontabs.stable.example.com');
    expect(crd.status.acceptedNames).toEqual({ plural: 'crontabs', singular: 'crontab', kind: 'CronTab', listKind: 'CronTabList', shortNames: ['ct'], categories: ['all'] });
    expect(crd.status.conditions.map((c: any) => [c.type, c.status, c.reason])).toEqual([
      ['NamesAccepted', 'True', 'NoConflicts'],
      ['Established', 'True', 'InitialNamesAccepted'],
    ]);

    const groups = (await call('GET', '/apis')).json.groups;
    expect(groups.find((g: any) => g.name === 'stable.example.com')).toMatchObject({
      name: 'stable.example.com',
      versions: [{ groupVersion: 'stable.example.com/v1', version: 'v1' }, { groupVersion: 'stable.example.com/v1beta1', version: 'v1beta1' }],
      preferredVersion: { groupVersion: 'stable.example.com/v1', version: 'v1' },
    });
    const resources = (await call('GET', '/apis/stable.example.com/v1')).json.resources;
    expect(resources.map((r: any) => r.name)).toEqual(['crontabs', 'crontabs/status', 'crontabs/scale']);
    expect(resources[0]).toMatchObject({ kind: 'CronTab', namespaced: true, singularName: 'crontab', shortNames: ['ct'], categories: ['all'] });

    const index = (await call('GET', '/openapi/v3')).json;
    expect(index.paths['apis/stable.example.com/v1']).toBeDefined();
    const doc = (await call('GET', '/openapi/v3/apis/stable.example.com/v1')).json;
    const component = doc.components.schemas['com.example.stable.v1.CronTab'];
    expect(component['x-kubernetes-group-version-kind']).toEqual([{ group: 'stable.example.com', version: 'v1', kind: 'CronTab' }]);
    expect(Object.keys(component.properties.spec.properties)).toContain('cronSpec');

    const crdTable = await call('GET', `${CRDS}/crontabs.stable.example.com`, undefined, undefined, { accept: TABLE });
    expect(crdTable.json.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Created At']);
    expect(crdTable.json.rows[0].cells).toEqual(['crontabs.stable.example.com', crd.metadata.creationTimestamp]);
  });

  it('validates custom resources by the schema with causes naming the field, defaults and prunes them', async () => {
    const bad = await call('POST', CRONTABS, crontab('bad', { replicas: 'many', cronSpec: 'often' }));
    expect(bad.status).toBe(422);
    expect(bad.json.reason).toBe('Invalid');
    expect(bad.json.details).toMatchObject({ name: 'bad', group: 'stable.example.com', kind: 'CronTab' });
    expect(bad.json.details.causes).toEqual([
      { reason: 'FieldValueInvalid', field: 'spec.cronSpec', message: `Invalid value: "often": spec.cronSpec in body should match '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'` },
      { reason: 'FieldValueTypeInvalid', field: 'spec.replicas', message: 'Invalid value: "string": spec.replicas in body must be of type integer: "string"' },
    ]);
    const missing = await call('POST', CRONTABS, { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'missing' }, spec: {} });
    expect(missing.json.message).toBe('CronTab.stable.example.com "missing" is invalid: spec.cronSpec: Required value');

    const created = await call('POST', CRONTABS, { ...crontab('good', { unknownField: 'x' }), extra: true });
    expect(created.status).toBe(201);
    expect(created.json.spec).toEqual({ cronSpec: '* * * * */5', image: 'my-cron-image', replicas: 1 });
    expect(created.json.extra).toBeUndefined();
    expect(created.headers.get('warning')).toContain('unknown field \\"spec.unknownField\\"');

    const strict = await call('POST', `${CRONTABS}?fieldValidation=Strict`, crontab('strict', { unknownField: 'x' }));
    expect(strict.status).toBe(400);
    expect(strict.json.message).toBe('CronTab in version "v1" cannot be handled as a CronTab: strict decoding error: unknown field "spec.unknownField"');
  });

  it('serves status and scale subresources and refuses unconditional updates', async () => {
    const obj = (await call('GET', `${CRONTABS}/good`)).json;
    const status = await call('PUT', `${CRONTABS}/good/status`, { ...obj, status: { replicas: 1, selector: 'app=cron' } });
    expect(status.status).toBe(200);
    expect(status.json.status).toEqual({ replicas: 1, selector: 'app=cron' });

    // The main resource keeps the stored status whatever the body says.
    const main = await call('PUT', `${CRONTABS}/good`, { ...status.json, spec: { ...status.json.spec, image: 'v2' }, status: { replicas: 9 } });
    expect(main.status).toBe(200);
    expect(main.json.status.replicas).toBe(1);

    const { resourceVersion: _rv, ...metadata } = main.json.metadata;
    const unconditional = await call('PUT', `${CRONTABS}/good`, { ...main.json, metadata });
    expect(unconditional.status).toBe(422);
    expect(unconditional.json.message).toBe('crontabs.stable.example.com "good" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update');

    const scale = await call('GET', `${CRONTABS}/good/scale`);
    expect(scale.json).toMatchObject({ apiVersion: 'autoscaling/v1', kind: 'Scale', spec: { replicas: 1 }, status: { replicas: 1, selector: 'app=cron' } });
    const scaled = await call('PATCH', `${CRONTABS}/good/scale`, { spec: { replicas: 3 } }, 'application/merge-patch+json');
    expect(scaled.status).toBe(200);
    expect((await call('GET', `${CRONTABS}/good`)).json.spec.replicas).toBe(3);
  });

  it('patches custom resources by merge, JSON patch and apply (map lists by key), and refuses strategic merge with 415', async () => {
    const strategic = await call('PATCH', `${CRONTABS}/good`, { spec: { image: 'x' } }, 'application/strategic-merge-patch+json');
    expect(strategic.status).toBe(415);
    expect(strategic.json.message).toBe('the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml');

    const merged = await call('PATCH', `${CRONTABS}/good`, { spec: { args: ['a', 'b'] } }, 'application/merge-patch+json');
    expect(merged.json.spec.args).toEqual(['a', 'b']);
    const json = await call('PATCH', `${CRONTABS}/good`, [{ op: 'replace', path: '/spec/image', value: 'v3' }], 'application/json-patch+json');
    expect(json.json.spec.image).toBe('v3');
    const badPatch = await call('PATCH', `${CRONTABS}/good`, { spec: { replicas: 50 } }, 'application/merge-patch+json');
    expect(badPatch.status).toBe(422);
    expect(badPatch.json.details.causes[0]).toEqual({ reason: 'FieldValueInvalid', field: 'spec.replicas', message: 'Invalid value: 50: spec.replicas in body should be less than or equal to 10' });

    const apply = (manager: string, spec: Record<string, unknown>) =>
      call('PATCH', `${CRONTABS}/applied?fieldManager=${manager}`, { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'applied' }, spec }, 'application/apply-patch+yaml');
    expect((await apply('a', { cronSpec: '* * * * *', ports: [{ name: 'http', port: 80 }], args: ['x'] })).status).toBe(201);
    const second = await apply('b', { cronSpec: '* * * * *', ports: [{ name: 'metrics', port: 9090 }] });
    expect(second.status).toBe(200);
    expect(second.json.spec.ports).toEqual([{ name: 'http', port: 80 }, { name: 'metrics', port: 9090 }]);
  });

  it('prints printer columns in Tables, serves several versions from one storage, and watches', async () => {
    const table = await call('GET', CRONTABS, undefined, undefined, { accept: TABLE });
    expect(table.json.columnDefinitions.map((c: any) => [c.name, c.type, c.priority])).toEqual([
      ['Name', 'string', 0],
      ['Spec', 'string', 0],
      ['Replicas', 'integer', 0],
      ['Image', 'string', 1],
      ['Age', 'date', 0],
    ]);
    const row = table.json.rows.find((r: any) => r.cells[0] === 'good');
    expect(row.cells.slice(0, 4)).toEqual(['good', '* * * * */5', 3, 'v3']);
    expect(row.cells[4]).toMatch(/^\d+s$/);

    const beta = '/apis/stable.example.com/v1beta1/namespaces/default/crontabs';
    expect((await call('GET', `${beta}/good`)).json.apiVersion).toBe('stable.example.com/v1beta1');
    const viaBeta = await call('POST', beta, crontab('beta', {}, 'stable.example.com/v1beta1'));
    expect(viaBeta.status).toBe(201);
    expect(viaBeta.json.apiVersion).toBe('stable.example.com/v1beta1');
    const list = (await call('GET', CRONTABS)).json;
    expect(list.kind).toBe('CronTabList');
    expect(list.items.map((i: any) => [i.metadata.name, i.apiVersion])).toContainEqual(['beta', 'stable.example.com/v1']);

    const controller = new AbortController();
    const res = await fetch(`${server.url}${beta}?watch=true&resourceVersion=${list.metadata.resourceVersion}`, { headers: { authorization: 'Bearer test-admin-token' }, signal: controller.signal });
    const reader = res.body!.getReader();
    await call('POST', CRONTABS, crontab('watched'));
    let text = '';
    const deadline = Date.now() + 10_000;
    while (!text.includes('"watched"') && Date.now() < deadline) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    const event = JSON.parse(text.trim().split('\n')[0]);
    expect(event.type).toBe('ADDED');
    expect(event.object).toMatchObject({ apiVersion: 'stable.example.com/v1beta1', metadata: { name: 'watched' } });
  });

  it('deleting the CRD deletes its custom resources, then the CRD, and stops serving its kind', async () => {
    const deleted = await call('DELETE', `${CRDS}/crontabs.stable.example.com`);
    expect(deleted.status).toBe(200);
    expect(deleted.json.metadata.deletionTimestamp).toBeDefined();
    expect(deleted.json.metadata.finalizers).toEqual(['customresourcecleanup.apiextensions.k8s.io']);
    expect(deleted.json.status.conditions.find((c: any) => c.type === 'Terminating')).toMatchObject({ status: 'True', reason: 'InstanceDeletionPending' });

    await waitFor('the CRD to go', async () => ((await call('GET', `${CRDS}/crontabs.stable.example.com`)).status === 404 ? true : undefined));
    expect((await call('GET', CRONTABS)).status).toBe(404);
    expect((await call('GET', '/apis')).json.groups.map((g: any) => g.name)).not.toContain('stable.example.com');

    // Installed again, the kind starts empty: the old objects went with the CRD.
    expect((await call('POST', CRDS, crontabCrd())).status).toBe(201);
    await established('crontabs.stable.example.com');
    expect((await call('GET', CRONTABS)).json.items).toEqual([]);
  });
});
