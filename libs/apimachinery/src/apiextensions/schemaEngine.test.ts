import { describe, expect, it } from 'vitest';
import { defaultCustomResource } from './defaultCustomResource.js';
import { pruneCustomResource } from './pruneCustomResource.js';
import type { Schema } from './schema.js';
import { validateCustomResource } from './validateCustomResource.js';
import { validateStructuralSchema } from './validateStructuralSchema.js';

const CRONTAB: Schema = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['cronSpec'],
      properties: {
        cronSpec: { type: 'string', pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$' },
        image: { type: 'string', minLength: 1, maxLength: 20 },
        replicas: { type: 'integer', minimum: 1, maximum: 10, default: 1 },
        color: { type: 'string', enum: ['red', 'blue'] },
        port: { 'x-kubernetes-int-or-string': true },
        email: { type: 'string', format: 'email' },
        tags: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 2 },
        note: { type: 'string', nullable: true },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        ports: {
          type: 'array',
          'x-kubernetes-list-type': 'map',
          'x-kubernetes-list-map-keys': ['name'],
          items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, port: { type: 'integer', default: 80 } } },
        },
        template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { known: { type: 'string' } } },
      },
    },
    status: { type: 'object', properties: { replicas: { type: 'integer' } } },
  },
};

const cr = (spec: Record<string, unknown>): { apiVersion: string; kind: string; metadata: { name: string }; spec: Record<string, unknown> } => ({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'c' }, spec: { cronSpec: '* * * * */5', ...spec } });
const messages = (obj: unknown) => validateCustomResource(obj, CRONTAB).map((c) => `${c.field}: ${c.message}`);

describe('validateCustomResource', () => {
  it.each([
    ['a valid object', {}, []],
    ['a wrong type', { replicas: 'many' }, ['spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"']],
    ['a number where an integer is wanted', { replicas: 1.5 }, ['spec.replicas: Invalid value: "number": spec.replicas in body must be of type integer: "number"']],
    ['below the minimum', { replicas: 0 }, ['spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1']],
    ['above the maximum', { replicas: 11 }, ['spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10']],
    ['not in the enum', { color: 'pink' }, ['spec.color: Unsupported value: "pink": supported values: "red", "blue"']],
    ['a pattern mismatch', { cronSpec: 'often' }, [`spec.cronSpec: Invalid value: "often": spec.cronSpec in body should match '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$'`]],
    ['too short', { image: '' }, ['spec.image: Invalid value: "": spec.image in body should be at least 1 chars long']],
    ['too long', { image: 'x'.repeat(21) }, ['spec.image: Too long: must have at most 20 bytes']],
    ['too few items', { tags: [] }, ['spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items']],
    ['too many items', { tags: ['a', 'b', 'c'] }, ['spec.tags: Too many: 3: must have at most 2 items']],
    ['a bad item', { tags: [1] }, ['spec.tags[0]: Invalid value: "integer": spec.tags[0] in body must be of type string: "integer"']],
    ['a bad map value', { labels: { a: 1 } }, ['spec.labels.a: Invalid value: "integer": spec.labels.a in body must be of type string: "integer"']],
    ['int-or-string as either', { port: 'http' }, []],
    ['int-or-string as neither', { port: true }, ['spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"']],
    ['a bad email', { email: 'nobody' }, ['spec.email: Invalid value: "nobody": spec.email in body must be of type email: "nobody"']],
    ['null where nullable', { note: null }, []],
    ['a duplicate map-list key', { ports: [{ name: 'a' }, { name: 'a' }] }, ['spec.ports[1]: Duplicate value: {"name":"a"}']],
    ['an embedded resource without kind', { template: { apiVersion: 'v1' } }, ['spec.template.kind: Required value: kind is required']],
  ])('%s', (_name, spec, expected) => {
    expect(messages(cr(spec))).toEqual(expected);
  });

  it('reports a missing required field by its path', () => {
    expect(messages({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'c' }, spec: {} })).toEqual(['spec.cronSpec: Required value']);
  });
});

describe('defaultCustomResource', () => {
  it.each([
    ['a missing field', { replicas: undefined }, 1],
    ['a null field that is not nullable', { replicas: null }, 1],
    ['a set field', { replicas: 3 }, 3],
  ])('fills %s', (_name, spec, replicas) => {
    const obj = cr(spec);
    defaultCustomResource(obj, CRONTAB);
    expect(obj.spec.replicas).toBe(replicas);
  });

  it('defaults inside list items and leaves absent parents absent', () => {
    const obj = cr({ ports: [{ name: 'a' }, { name: 'b', port: 8080 }] });
    defaultCustomResource(obj, CRONTAB);
    expect(obj.spec.ports).toEqual([{ name: 'a', port: 80 }, { name: 'b', port: 8080 }]);
    const bare: Record<string, unknown> = { apiVersion: 'v', kind: 'k', metadata: {} };
    defaultCustomResource(bare, CRONTAB);
    expect(bare).toEqual({ apiVersion: 'v', kind: 'k', metadata: {} });
  });
});

describe('pruneCustomResource', () => {
  it('drops undeclared fields, keeps type meta, metadata and preserved fields, and names what it dropped', () => {
    const obj: Record<string, unknown> = {
      ...cr({ unknown: 1, ports: [{ name: 'a', junk: true }], extra: { known: 'k', free: { deep: 1 } }, template: { apiVersion: 'v1', kind: 'Pod', anything: 1 } }),
      topLevel: 'x',
    };
    const pruned = pruneCustomResource(obj, CRONTAB);
    expect(pruned.sort()).toEqual(['spec.ports[0].junk', 'spec.unknown', 'topLevel']);
    expect(obj).toEqual(cr({ ports: [{ name: 'a' }], extra: { known: 'k', free: { deep: 1 } }, template: { apiVersion: 'v1', kind: 'Pod', anything: 1 } }));
  });
});

describe('validateStructuralSchema', () => {
  const at = 'spec.versions[0].schema.openAPIV3Schema';
  const errors = (s: Schema) => validateStructuralSchema(s, at).map((c) => `${c.field}: ${c.message}`);
  it.each<[string, Schema, string[]]>([
    ['a structural schema', CRONTAB, []],
    ['a field without a type', { type: 'object', properties: { spec: { type: 'object', properties: { foo: {} } } } }, [`${at}.properties[spec].properties[foo].type: Required value: must not be empty for specified object fields`]],
    ['a root without a type', { properties: { spec: { type: 'object' } } }, [`${at}.type: Required value: must not be empty at the root`]],
    ['a root that is not an object', { type: 'string' }, [`${at}.type: Invalid value: "string": must be object at the root`]],
    ['an array without items', { type: 'object', properties: { a: { type: 'array' } } }, [`${at}.properties[a].items: Required value: must be specified`]],
    ['a type inside anyOf', { type: 'object', properties: { a: { type: 'string', anyOf: [{ type: 'string' }] } } }, [`${at}.properties[a].anyOf[0].type: Forbidden: must be empty to be structural`]],
    ['metadata beyond name', { type: 'object', properties: { metadata: { type: 'object', properties: { labels: { type: 'object' } } } } }, [`${at}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`]],
    ['int-or-string preserving unknown fields', { type: 'object', properties: { p: { 'x-kubernetes-int-or-string': true, 'x-kubernetes-preserve-unknown-fields': true } } }, [`${at}.properties[p].x-kubernetes-preserve-unknown-fields: Invalid value: true: must be false if x-kubernetes-int-or-string is true`]],
  ])('%s', (_name, schema, expected) => {
    expect(errors(schema)).toEqual(expected);
  });
});
