import { createHash } from 'node:crypto';
import { groupVersion, type Kind, type KindRegistry } from '@skiff/apimachinery';
import { SKIFF_SCHEMAS } from './skiffSchemas.js';

/**
 * OpenAPI documents, enough for clients to discover what the server supports: kubectl reads the v3
 * documents to learn that PATCH accepts `fieldValidation`, and then leaves validation to the server
 * (which is why `kubectl apply` needs no `--validate=false`). Kinds with a schema (custom
 * resources) get it as a component with their group-version-kind, which `kubectl explain` reads.
 */

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

const COMMON_WRITE_PARAMS = [
  { name: 'dryRun', in: 'query', schema: { type: 'string' }, uniqueItems: true },
  { name: 'fieldManager', in: 'query', schema: { type: 'string' }, uniqueItems: true },
  { name: 'fieldValidation', in: 'query', schema: { type: 'string' }, uniqueItems: true },
];

/** The component name Kubernetes gives a kind's schema: the group reversed, `com.example.stable.v1.CronTab`. */
function definitionName(t: Kind): string {
  return `${t.group ? t.group.split('.').reverse().join('.') : 'io.k8s.api.core'}.${t.version}.${t.kind}`;
}

function operation(t: Kind, action: string, extra: object[] = []): object {
  const ok = t.openApiSchema ? { content: { 'application/json': { schema: { $ref: `#/components/schemas/${definitionName(t)}` } } } } : {};
  return {
    operationId: `${action}${t.kind}`,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: t.group, version: t.version, kind: t.kind },
    parameters: extra,
    responses: { '200': { description: 'OK', ...ok }, '401': { description: 'Unauthorized' } },
  };
}

function pathsFor(t: Kind): Record<string, object> {
  const base = `/${gvPath(t.group, t.version)}`;
  const collection = t.namespaced ? `${base}/namespaces/{namespace}/${t.resource}` : `${base}/${t.resource}`;
  const item = `${collection}/{name}`;
  const paths: Record<string, object> = {
    [collection]: {
      get: operation(t, 'list'),
      post: operation(t, 'post', COMMON_WRITE_PARAMS),
      delete: operation(t, 'deletecollection'),
    },
    [item]: {
      get: operation(t, 'get'),
      put: operation(t, 'put', COMMON_WRITE_PARAMS),
      patch: operation(t, 'patch', [...COMMON_WRITE_PARAMS, { name: 'force', in: 'query', schema: { type: 'boolean' } }]),
      delete: operation(t, 'delete'),
    },
  };
  if (t.namespaced) paths[`${base}/${t.resource}`] = { get: operation(t, 'list') };
  return paths;
}

/**
 * A custom resource's schema as kube-apiserver publishes it: the version's schema with
 * apiVersion, kind and metadata (an ObjectMeta reference) filled in, tagged with its kind.
 */
function schemaComponent(t: Kind): object {
  const schema = structuredClone(t.openApiSchema!) as Record<string, unknown> & { properties?: Record<string, unknown> };
  const description = (text: string) => ({ description: text, type: 'string' });
  schema.properties = {
    apiVersion: description('APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources'),
    kind: description('Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds'),
    metadata: { allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }], description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata" },
    ...(schema.properties ?? {}),
  };
  schema['x-kubernetes-group-version-kind'] = [{ group: t.group, version: t.version, kind: t.kind }];
  return schema;
}

const OBJECT_META = {
  'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': {
    description: 'ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.',
    type: 'object',
    properties: {
      name: { type: 'string', description: 'Name must be unique within a namespace.' },
      namespace: { type: 'string', description: 'Namespace defines the space within which each name must be unique.' },
      labels: { type: 'object', additionalProperties: { type: 'string' }, description: 'Map of string keys and values that can be used to organize and categorize (scope and select) objects.' },
      annotations: { type: 'object', additionalProperties: { type: 'string' }, description: 'Annotations is an unstructured key value map stored with a resource that may be set by external tools to store and retrieve arbitrary metadata.' },
    },
  },
};

function document(kinds: KindRegistry, group: string, version: string): object {
  const paths: Record<string, object> = {};
  const served = kinds.resourcesIn(group, version);
  for (const t of served) Object.assign(paths, pathsFor(t));
  const custom = served.filter((t) => t.openApiSchema);
  const schemas: Record<string, object> = group === 'skiff.dev' ? { ...SKIFF_SCHEMAS } : {};
  if (custom.length) Object.assign(schemas, OBJECT_META, Object.fromEntries(custom.map((t) => [definitionName(t), schemaComponent(t)])));
  return { openapi: '3.0.0', info: { title: 'Skiff', version: 'v1.32.0' }, paths, components: { schemas } };
}

function groupVersions(kinds: KindRegistry): { group: string; version: string }[] {
  return [{ group: '', version: 'v1' }, ...kinds.groups().flatMap((g) => g.versions.map((v) => ({ group: g.group, version: v })))];
}

/** The OpenAPI documents of what a KindRegistry serves, rebuilt when its kinds change. */
export class OpenApiDocuments {
  private built = -1;
  private docs = new Map<string, { body: string; hash: string }>();

  constructor(private readonly kinds: KindRegistry) {}

  private current(): Map<string, { body: string; hash: string }> {
    if (this.built === this.kinds.generation) return this.docs;
    this.docs = new Map(groupVersions(this.kinds).map(({ group, version }) => {
      const body = JSON.stringify(document(this.kinds, group, version));
      const hash = createHash('sha512').update(body).digest('hex').slice(0, 32).toUpperCase();
      return [gvPath(group, version), { body, hash }] as const;
    }));
    this.built = this.kinds.generation;
    return this.docs;
  }

  v3Index(): object {
    return { paths: Object.fromEntries([...this.current()].map(([path, doc]) => [path, { serverRelativeURL: `/openapi/v3/${path}?hash=${doc.hash}` }])) };
  }

  v3Document(path: string): string | undefined {
    return this.current().get(path.replace(/^\/+/, ''))?.body;
  }

  /** A Swagger 2.0 document in JSON (the protobuf form is not served; clients fall back to v3). */
  v2(): object {
    const all = groupVersions(this.kinds).flatMap(({ group, version }) => this.kinds.resourcesIn(group, version));
    const paths: Record<string, object> = {};
    for (const t of all) Object.assign(paths, pathsFor(t));
    return {
      swagger: '2.0',
      info: { title: 'Skiff', version: 'v1.32.0' },
      paths,
      definitions: Object.fromEntries(all.map((t) => [definitionName(t), { type: 'object', 'x-kubernetes-group-version-kind': [{ group: t.group, version: t.version, kind: t.kind }] }])),
    };
  }
}

export { groupVersion };
