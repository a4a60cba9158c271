import { describe, expect, it } from 'vitest';
import { api, useTestServer } from './harness.js';

// Bodies from Kubernetes' field validation integration test: undeclared and repeated fields.
const invalidJson = (name: string) => `{
  "apiVersion": "apps/v1",
  "kind": "Deployment",
  "metadata": { "name": "dupename", "name": "${name}", "labels": {"app": "nginx"}, "unknownMeta": "metaVal" },
  "spec": {
    "unknown1": "val1", "unknownDupe": "valDupe", "unknownDupe": "valDupe2", "paused": true, "paused": false,
    "selector": { "matchLabels": { "app": "nginx" } },
    "template": { "metadata": { "labels": { "app": "nginx" } }, "spec": { "containers": [{
      "name": "nginx", "image": "nginx:latest", "unknownNested": "val1", "imagePullPolicy": "Always", "imagePullPolicy": "Never" }] } }
  }
}`;

const invalidYaml = (name: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: dupename
  name: ${name}
  unknownMeta: metaVal
  labels:
    app: nginx
spec:
  unknown1: val1
  unknownDupe: valDupe
  unknownDupe: valDupe2
  paused: true
  paused: false
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:latest
        unknownNested: val1
        imagePullPolicy: Always
        imagePullPolicy: Never`;

const validDeployment = (name: string) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name, labels: { app: 'nginx' } },
  spec: { replicas: 2, selector: { matchLabels: { app: 'nginx' } }, template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:latest', imagePullPolicy: 'Always' }] } } },
});

const JSON_ERRORS = [
  'duplicate field "metadata.name"',
  'unknown field "metadata.unknownMeta"',
  'unknown field "spec.unknown1"',
  'unknown field "spec.unknownDupe"',
  'duplicate field "spec.paused"',
  'unknown field "spec.template.spec.containers[0].unknownNested"',
  'duplicate field "spec.template.spec.containers[0].imagePullPolicy"',
];
const YAML_DUPLICATES = ['line 5: key "name" already set in map', 'line 12: key "unknownDupe" already set in map', 'line 14: key "paused" already set in map', 'line 28: key "imagePullPolicy" already set in map'];
const YAML_UNKNOWN = ['unknown field "metadata.unknownMeta"', 'unknown field "spec.template.spec.containers[0].unknownNested"', 'unknown field "spec.unknown1"', 'unknown field "spec.unknownDupe"'];

const PATH = '/apis/apps/v1/namespaces/default/deployments';

/** The texts of a response's `Warning: 299 - "..."` headers. */
function warnings(headers: Headers): string[] {
  const raw = headers.get('warning');
  if (!raw) return [];
  return [...raw.matchAll(/299 - ("(?:[^"\\]|\\.)*")/g)].map((m) => JSON.parse(m[1]) as string);
}

describe('fieldValidation on create, update and patch', () => {
  const t = useTestServer();
  const call: ReturnType<typeof api> = (...args) => t.call(...args);

  it('Strict refuses a JSON create naming every unknown and duplicate field, in order, and creates nothing', async () => {
    const r = await call('POST', `${PATH}?fieldValidation=Strict`, invalidJson('post-strict'));
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
    expect(r.json.message).toBe(`Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: ${JSON_ERRORS.join(', ')}`);
    expect((await call('GET', `${PATH}/post-strict`)).status).toBe(404);
  });

  it('Strict refuses a YAML create: duplicate keys by line, then unknown fields', async () => {
    const r = await call('POST', `${PATH}?fieldValidation=Strict`, invalidYaml('post-strict-yaml'), 'application/yaml');
    expect(r.status).toBe(400);
    expect(r.json.message).toBe(`Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: yaml: unmarshal errors:\n  ${YAML_DUPLICATES.join('\n  ')}, ${YAML_UNKNOWN.join(', ')}`);
  });

  it.each([
    ['Warn', '&fieldValidation=Warn'],
    ['no directive (Warn is the default)', ''],
  ])('%s: creates, drops the unknown fields, keeps the last of repeated ones, and warns', async (_label, param) => {
    const name = `post-warn${param ? '-explicit' : ''}`;
    const r = await call('POST', `${PATH}?x=1${param}`, invalidJson(name));
    expect(r.status).toBe(201);
    expect(warnings(r.headers)).toEqual(JSON_ERRORS);
    expect(r.headers.get('warning')).toContain('299 - "duplicate field \\"metadata.name\\""');
    expect(r.json.spec.paused).toBe(false);
    expect(r.json.spec.unknown1).toBeUndefined();
    expect(r.json.metadata.unknownMeta).toBeUndefined();
    expect(r.json.spec.template.spec.containers[0]).toMatchObject({ imagePullPolicy: 'Never' });
    expect(r.json.spec.template.spec.containers[0].unknownNested).toBeUndefined();
    const yamlR = await call('POST', `${PATH}?x=1${param}`, invalidYaml(`${name}-yaml`), 'application/yaml');
    expect(yamlR.status).toBe(201);
    expect(warnings(yamlR.headers)).toEqual([...YAML_DUPLICATES, ...YAML_UNKNOWN]);
  });

  it('Ignore creates silently without the unknown fields', async () => {
    const r = await call('POST', `${PATH}?fieldValidation=Ignore`, invalidJson('post-ignore'));
    expect(r.status).toBe(201);
    expect(r.headers.get('warning')).toBeNull();
    expect(r.json.spec.unknown1).toBeUndefined();
  });

  it('an unsupported directive is a 422 on the request options', async () => {
    const r = await call('POST', `${PATH}?fieldValidation=strict`, validDeployment('bad-directive'));
    expect(r.status).toBe(422);
    expect(r.json.message).toBe('CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"');
  });

  it('update (PUT) follows the directive like create', async () => {
    expect((await call('POST', PATH, validDeployment('put-target'))).status).toBe(201);
    const strict = await call('PUT', `${PATH}/put-target?fieldValidation=Strict`, invalidJson('put-target'));
    expect(strict.status).toBe(400);
    expect(strict.json.message).toBe(`Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: ${JSON_ERRORS.join(', ')}`);
    const warn = await call('PUT', `${PATH}/put-target?fieldValidation=Warn`, invalidJson('put-target'));
    expect(warn.status).toBe(200);
    expect(warnings(warn.headers)).toEqual(JSON_ERRORS);
  });

  it('merge and strategic merge patches: the patch\'s duplicates, then the result\'s unknown fields; Strict is a 422 on patch', async () => {
    expect((await call('POST', PATH, validDeployment('patch-target'))).status).toBe(201);
    const body = `{"spec": {"unknown1": "val1", "unknownDupe": "valDupe", "unknownDupe": "valDupe2", "paused": true, "paused": false,
      "template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:latest", "unknownNested": "val1", "imagePullPolicy": "Always", "imagePullPolicy": "Never"}]}}}}`;
    const expected = [
      'duplicate field "spec.unknownDupe"',
      'duplicate field "spec.paused"',
      'duplicate field "spec.template.spec.containers[0].imagePullPolicy"',
      'unknown field "spec.template.spec.containers[0].unknownNested"',
      'unknown field "spec.unknown1"',
      'unknown field "spec.unknownDupe"',
    ];
    for (const type of ['application/merge-patch+json', 'application/strategic-merge-patch+json']) {
      const strict = await call('PATCH', `${PATH}/patch-target?fieldValidation=Strict`, body, type);
      expect(strict.status).toBe(422);
      expect(strict.json.reason).toBe('Invalid');
      expect(strict.json.message).toMatch(/^ "" is invalid: patch: Invalid value: ".*": strict decoding error: /s);
      expect(strict.json.message.endsWith(`strict decoding error: ${expected.join(', ')}`)).toBe(true);
      expect(strict.json.details.causes).toEqual([{ reason: 'FieldValueInvalid', field: 'patch', message: expect.stringMatching(/^Invalid value: /) }]);
      const warn = await call('PATCH', `${PATH}/patch-target?fieldValidation=Warn`, body, type);
      expect(warn.status).toBe(200);
      expect(warnings(warn.headers)).toEqual(expected);
      expect(warn.json.spec.unknown1).toBeUndefined();
      expect(warn.json.spec.paused).toBe(false);
    }
    const smp = await call('PATCH', `${PATH}/patch-target?fieldValidation=Strict`, '{"spec": {"replica": 3}}', 'application/strategic-merge-patch+json');
    expect(smp.json.message).toBe(' "" is invalid: patch: Invalid value: "map[spec:map[replica:3]]": strict decoding error: unknown field "spec.replica"');
  });

  it('a JSON patch: its operations\' unknown and repeated fields, then the result\'s unknown fields', async () => {
    expect((await call('POST', PATH, validDeployment('json-patch-target'))).status).toBe(201);
    const body = `[
      {"op": "add", "path": "/spec/unknown1", "value": "val1", "foo": "bar"},
      {"op": "add", "path": "/spec/unknown2", "path": "/spec/unknown3", "value": "val1"},
      {"op": "add", "path": "/spec/paused", "value": true},
      {"op": "add", "path": "/spec/template/spec/containers/0/unknownNested", "value": "val1"}
    ]`;
    const expected = [
      'json patch unknown field "[0].foo"',
      'json patch duplicate field "[1].path"',
      'unknown field "spec.template.spec.containers[0].unknownNested"',
      'unknown field "spec.unknown1"',
      'unknown field "spec.unknown3"',
    ];
    const strict = await call('PATCH', `${PATH}/json-patch-target?fieldValidation=Strict`, body, 'application/json-patch+json');
    expect(strict.status).toBe(422);
    expect(strict.json.message.endsWith(`strict decoding error: ${expected.join(', ')}`)).toBe(true);
    const warn = await call('PATCH', `${PATH}/json-patch-target`, body, 'application/json-patch+json');
    expect(warn.status).toBe(200);
    expect(warnings(warn.headers)).toEqual(expected);
    expect(warn.json.spec.paused).toBe(true);
    expect(warn.json.spec.unknown3).toBeUndefined();
  });

  it('server-side apply: repeated keys follow the directive; an undeclared field always fails, as kube-apiserver fails it', async () => {
    const applyBody = (name: string) => `{
  "apiVersion": "apps/v1",
  "kind": "Deployment",
  "metadata": {"name": "${name}", "labels": {"app": "nginx"}},
  "spec": {
    "paused": false,
    "paused": true,
    "selector": {"matchLabels": {"app": "nginx"}},
    "template": {"metadata": {"labels": {"app": "nginx"}}, "spec": {"containers": [{"name": "nginx", "image": "nginx:latest",
      "imagePullPolicy": "Never",
      "imagePullPolicy": "Always"}]}}
  }
}`;
    const apply = (name: string, directive: string, body = applyBody(name)) => call('PATCH', `${PATH}/${name}?fieldManager=mgr${directive}`, body, 'application/apply-patch+yaml');
    const strict = await apply('apply-strict', '&fieldValidation=Strict');
    expect(strict.status).toBe(400);
    expect(strict.json.message).toBe('error strict decoding YAML: error converting YAML to JSON: yaml: unmarshal errors:\n  line 7: key "paused" already set in map\n  line 11: key "imagePullPolicy" already set in map');
    const warn = await apply('apply-warn', '');
    expect(warn.status).toBe(201);
    expect(warnings(warn.headers)).toEqual(['line 7: key "paused" already set in map', 'line 11: key "imagePullPolicy" already set in map']);
    expect(warn.json.spec.paused).toBe(true);
    const ignore = await apply('apply-ignore', '&fieldValidation=Ignore');
    expect(ignore.status).toBe(201);
    expect(ignore.headers.get('warning')).toBeNull();

    const misspelt = JSON.stringify({ ...validDeployment('apply-misspelt'), metadata: { name: 'apply-misspelt', namespace: 'default' }, spec: { ...validDeployment('x').spec, template: { spec: { containers: [{ name: 'nginx', imagee: 'nginx' }] } } } });
    for (const directive of ['&fieldValidation=Strict', '&fieldValidation=Ignore']) {
      const r = await apply('apply-misspelt', directive, misspelt);
      // kube-apiserver answers a reasonless 500 (kubernetes/kubernetes#122480); the fault is the request's: 400.
      expect(r.status).toBe(400);
      expect(r.json).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'failed to create typed patch object (default/apply-misspelt; apps/v1, Kind=Deployment): .spec.template.spec.containers[name="nginx"].imagee: field not declared in schema',
        reason: 'BadRequest',
        code: 400,
      });
    }
  });

  it('kinds without a schema take any field', async () => {
    const app = { apiVersion: 'skiff.dev/v1alpha1', kind: 'Application', metadata: { name: 'free' }, spec: { source: { repoURL: '/tmp/x' }, destination: { namespace: 'default' }, extra: 1 } };
    const r = await call('POST', '/apis/skiff.dev/v1alpha1/namespaces/default/applications?fieldValidation=Strict', app);
    expect(r.status).toBe(201);
    expect(r.json.spec.extra).toBe(1);
  });
});
