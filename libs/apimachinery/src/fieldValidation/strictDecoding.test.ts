import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { patchSchemaFor } from '../kinds/registry.js';
import { parseRawJson } from './rawJson.js';
import { fieldSchemaFor } from './schema.js';
import { duplicateFields, pruneUnknownFields, shapeMismatch, strictErrorsInOrder, undeclaredApplyFields, unknownFields } from './strictDecoding.js';
import { yamlDuplicateKeys } from './yamlDuplicates.js';

// The invalid Deployment of Kubernetes' field validation integration test, as JSON and as YAML.
const INVALID_JSON = `{
  "apiVersion": "apps/v1",
  "kind": "Deployment",
  "metadata": { "name": "dupename", "name": "dep", "labels": {"app": "nginx"}, "unknownMeta": "metaVal" },
  "spec": {
    "unknown1": "val1", "unknownDupe": "valDupe", "unknownDupe": "valDupe2", "paused": true, "paused": false,
    "selector": { "matchLabels": { "app": "nginx" } },
    "template": { "metadata": { "labels": { "app": "nginx" } }, "spec": { "containers": [{
      "name": "nginx", "image": "nginx:latest", "unknownNested": "val1", "imagePullPolicy": "Always", "imagePullPolicy": "Never" }] } }
  }
}`;

const INVALID_YAML = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: dupename
  name: dep
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

const deployment = fieldSchemaFor('apps/v1', 'Deployment')!;

describe('strict decoding', () => {
  it('reports a JSON body\'s unknown and duplicate fields in document order, as kube-apiserver does', () => {
    expect(strictErrorsInOrder(parseRawJson(INVALID_JSON), deployment).join(', ')).toBe(
      'duplicate field "metadata.name", unknown field "metadata.unknownMeta", unknown field "spec.unknown1", unknown field "spec.unknownDupe", duplicate field "spec.paused", unknown field "spec.template.spec.containers[0].unknownNested", duplicate field "spec.template.spec.containers[0].imagePullPolicy"',
    );
  });

  it('reports a YAML body\'s duplicate keys by line, then unknown fields in key order', () => {
    expect(yamlDuplicateKeys(INVALID_YAML)).toEqual([
      'line 5: key "name" already set in map',
      'line 12: key "unknownDupe" already set in map',
      'line 14: key "paused" already set in map',
      'line 28: key "imagePullPolicy" already set in map',
    ]);
    const value = yaml.load(INVALID_YAML, { schema: yaml.JSON_SCHEMA, json: true });
    expect(unknownFields(value, deployment)).toEqual([
      'unknown field "metadata.unknownMeta"',
      'unknown field "spec.template.spec.containers[0].unknownNested"',
      'unknown field "spec.unknown1"',
      'unknown field "spec.unknownDupe"',
    ]);
  });

  it('finds duplicate keys in a JSON document given as YAML, and none in a clean one', () => {
    expect(yamlDuplicateKeys('{\n "a": 1,\n "a": 2\n}')).toEqual(['line 3: key "a" already set in map']);
    expect(yamlDuplicateKeys('a: 1\nb: {c: 2}\n')).toEqual([]);
  });

  it('lists a patch\'s duplicate keys whatever the schema', () => {
    expect(duplicateFields(parseRawJson('{"spec": {"x": 1, "x": 2, "list": [{"a": 1, "a": 2}]}}'))).toEqual(['duplicate field "spec.x"', 'duplicate field "spec.list[0].a"']);
  });

  it('reads keys with escapes as decoded, and skips strings that hold quotes, braces and commas', () => {
    const text = '{ "s": "x\\"}, ]\\\\", "a\\u0062": [1, -2.5e3, true, null, {"k": "{"}], "ab": {}, "n": 1 ,\n\t"n": 2 }';
    expect(JSON.parse(text)).toEqual({ s: 'x"}, ]\\', ab: {}, n: 2 });
    expect(duplicateFields(parseRawJson(text))).toEqual(['duplicate field "ab"', 'duplicate field "n"']);
  });

  it('prunes undeclared fields and keeps maps, lists and anything-goes values whole', () => {
    const obj = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', labels: { any: 'label' }, managedFields: [{ manager: 'm', fieldsV1: { 'f:spec': {} } }] },
      spec: { replica: 3, replicas: 1, template: { spec: { containers: [{ name: 'c', imagee: 'x', image: 'y' }] } } },
    };
    expect(pruneUnknownFields(obj, deployment)).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', labels: { any: 'label' }, managedFields: [{ manager: 'm', fieldsV1: { 'f:spec': {} } }] },
      spec: { replicas: 1, template: { spec: { containers: [{ name: 'c', image: 'y' }] } } },
    });
  });

  it('names an apply configuration\'s undeclared fields as structured-merge-diff does', () => {
    const applied = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { replica: 3, template: { spec: { containers: [{ name: 'nginx', imagee: 'x' }] } } } };
    expect(undeclaredApplyFields(applied, deployment, patchSchemaFor('apps/v1', 'Deployment'))).toEqual([
      '.spec.replica: field not declared in schema',
    ]);
    const nested = { spec: { template: { spec: { containers: [{ name: 'nginx', imagee: 'x' }] } } } };
    expect(undeclaredApplyFields(nested, deployment, patchSchemaFor('apps/v1', 'Deployment'))).toEqual(['.spec.template.spec.containers[name="nginx"].imagee: field not declared in schema']);
  });

  it('has no schema for kinds Kubernetes does not define', () => {
    expect(fieldSchemaFor('skiff.dev/v1alpha1', 'Application')).toBeUndefined();
    expect(fieldSchemaFor('v1', 'ConfigMap')).toBe('V1ConfigMap');
  });
});

describe('shapeMismatch: what a typed decode cannot take, as Go words it', () => {
  const schema = (apiVersion: string, kind: string) => fieldSchemaFor(apiVersion, kind)!;
  it.each<[string, string, string, unknown, string | undefined]>([
    ['a string spec', 'v1', 'ReplicationController', { spec: '' }, 'json: cannot unmarshal string into Go struct field ReplicationController.spec of type v1.ReplicationControllerSpec'],
    ['finalizers as an object', 'v1', 'PersistentVolume', { metadata: { finalizers: {} } }, 'json: cannot unmarshal object into Go struct field ObjectMeta.metadata.finalizers of type []string'],
    ['verbs as a string, deep in a list', 'rbac.authorization.k8s.io/v1', 'Role', { rules: [{ verbs: 'get' }] }, 'json: cannot unmarshal string into Go struct field PolicyRule.rules.verbs of type []string'],
    ['containers as an object', 'apps/v1', 'Deployment', { spec: { template: { spec: { containers: { name: 'x' } } } } }, 'json: cannot unmarshal object into Go struct field PodSpec.spec.template.spec.containers of type []v1.Container'],
    ['labels as a list', 'v1', 'ConfigMap', { metadata: { labels: ['a'] } }, 'json: cannot unmarshal array into Go struct field ObjectMeta.metadata.labels of type map[string]string'],
    ['nulls and scalars it cannot tell apart', 'v1', 'Pod', { spec: null, metadata: { name: 5 } }, undefined],
    ['a well-formed object', 'apps/v1', 'Deployment', { spec: { replicas: 2, template: { spec: { containers: [{ name: 'c', image: 'i' }] } } } }, undefined],
  ])('%s', (_what, apiVersion, kind, obj, expected) => {
    expect(shapeMismatch(obj, schema(apiVersion, kind), kind)).toBe(expected);
  });
});
