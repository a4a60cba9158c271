import { createHash } from 'node:crypto';
import { groupVersion, METADATA_LISTS, type Kind, type KindRegistry, type ListStrategy } from '@skiff/apimachinery';

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

/** The name of a kind's schema: its root, or the name Kubernetes would give it (the group reversed). */
function definitionName(t: Kind): string {
  return t.openApi?.root ?? `${t.group ? t.group.split('.').reverse().join('.') : 'io.k8s.api.core'}.${t.version}.${t.kind}`;
}

function operation(t: Kind, action: string, extra: object[] = []): object {
  const ok = t.openApi ? { content: { 'application/json': { schema: { $ref: `#/components/schemas/${definitionName(t)}` } } } } : {};
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

type SchemaObject = Record<string, unknown>;

/**
 * Every schema the group-version's built-in kinds need, each kind's root marked with its group,
 * version and kind, and its strategic-merge lists marked as Kubernetes' documents mark them
 * (`x-kubernetes-patch-merge-key`, `x-kubernetes-patch-strategy`): kubectl's client-side apply
 * computes its patches from them.
 */
function schemasOf(kinds: readonly Kind[]): Record<string, SchemaObject> {
  const schemas: Record<string, SchemaObject> = {};
  for (const t of kinds) {
    if (!t.openApi) continue;
    for (const [name, schema] of Object.entries(t.openApi.schemas())) schemas[name] ??= structuredClone(schema);
    const root = schemas[t.openApi.root];
    root['x-kubernetes-group-version-kind'] = [{ group: t.group, version: t.version, kind: t.kind }];
    for (const [path, strategy] of Object.entries({ ...METADATA_LISTS, ...(t.lists ?? {}) })) markList(schemas, root, path.split('.'), strategy);
  }
  return schemas;
}

function deref(schemas: Record<string, SchemaObject>, node: SchemaObject | undefined): SchemaObject | undefined {
  const ref = node?.$ref;
  return typeof ref === 'string' ? schemas[ref.replace('#/components/schemas/', '')] : node;
}

/** Walks `spec.template.spec.containers[].ports` from a kind's root and marks the list at its end. */
function markList(schemas: Record<string, SchemaObject>, root: SchemaObject, segments: string[], strategy: ListStrategy): void {
  let node: SchemaObject | undefined = root;
  for (const [i, segment] of segments.entries()) {
    const field = segment.replace(/\[\]$/, '');
    const prop: SchemaObject | undefined = (deref(schemas, node)?.properties as Record<string, SchemaObject> | undefined)?.[field];
    if (!prop) return;
    if (i === segments.length - 1) {
      if (strategy.mergeKey) prop['x-kubernetes-patch-merge-key'] = strategy.mergeKey;
      prop['x-kubernetes-patch-strategy'] = strategy.strategy;
      return;
    }
    node = segment.endsWith('[]') ? deref(schemas, deref(schemas, prop)?.items as SchemaObject | undefined) : deref(schemas, prop);
  }
}

function document(kinds: KindRegistry, group: string, version: string): object {
  const paths: Record<string, object> = {};
  const served = kinds.resourcesIn(group, version);
  for (const t of served) Object.assign(paths, pathsFor(t));
  const schemas = schemasOf(served);
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
