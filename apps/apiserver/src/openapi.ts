import { createHash } from 'node:crypto';
import { API_GROUPS, groupVersion, METADATA_LISTS, resourcesIn, type Kind, type ListStrategy } from '@skiff/apimachinery';

/**
 * OpenAPI documents, enough for clients to discover what the server supports: kubectl reads the v3
 * documents to learn that PATCH accepts `fieldValidation`, and then leaves validation to the server
 * (which is why `kubectl apply` needs no `--validate=false`).
 */

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

const COMMON_WRITE_PARAMS = [
  { name: 'dryRun', in: 'query', schema: { type: 'string' }, uniqueItems: true },
  { name: 'fieldManager', in: 'query', schema: { type: 'string' }, uniqueItems: true },
  { name: 'fieldValidation', in: 'query', schema: { type: 'string' }, uniqueItems: true },
];

function operation(t: Kind, action: string, extra: object[] = []): object {
  return {
    operationId: `${action}${t.kind}`,
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: t.group, version: t.version, kind: t.kind },
    parameters: extra,
    responses: { '200': { description: 'OK' }, '401': { description: 'Unauthorized' } },
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
 * Every schema the group-version's kinds need, each kind's root marked with its group, version
 * and kind, and its strategic-merge lists marked as Kubernetes' documents mark them
 * (`x-kubernetes-patch-merge-key`, `x-kubernetes-patch-strategy`): kubectl's client-side apply
 * computes its patches from them.
 */
function schemasOf(kinds: readonly Kind[]): Record<string, object> {
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

function document(group: string, version: string): object {
  const paths: Record<string, object> = {};
  const kinds = resourcesIn(group, version);
  for (const t of kinds) Object.assign(paths, pathsFor(t));
  return {
    openapi: '3.0.0',
    info: { title: 'Skiff', version: 'v1.32.0' },
    paths,
    components: { schemas: schemasOf(kinds) },
  };
}

const GROUP_VERSIONS = [{ group: '', version: 'v1' }, ...API_GROUPS.flatMap((g) => g.versions.map((v) => ({ group: g.group, version: v })))];

const DOCS = new Map(GROUP_VERSIONS.map(({ group, version }) => {
  const body = JSON.stringify(document(group, version));
  const hash = createHash('sha512').update(body).digest('hex').slice(0, 32).toUpperCase();
  return [gvPath(group, version), { body, hash }] as const;
}));

export function openApiV3Index(): object {
  return {
    paths: Object.fromEntries([...DOCS].map(([path, doc]) => [path, { serverRelativeURL: `/openapi/v3/${path}?hash=${doc.hash}` }])),
  };
}

export function openApiV3Document(path: string): string | undefined {
  return DOCS.get(path.replace(/^\/+/, ''))?.body;
}

/** A Swagger 2.0 document in JSON (the protobuf form is not served; clients fall back to v3). */
export function openApiV2(): object {
  const paths: Record<string, object> = {};
  for (const { group, version } of GROUP_VERSIONS) {
    for (const t of resourcesIn(group, version)) Object.assign(paths, pathsFor(t));
  }
  return {
    swagger: '2.0',
    info: { title: 'Skiff', version: 'v1.32.0' },
    paths,
    definitions: Object.fromEntries(
      GROUP_VERSIONS.flatMap(({ group, version }) => resourcesIn(group, version)).map((t) => [
        `${t.group ? t.group.split('.').reverse().join('.') : 'io.k8s.api.core'}.${t.version}.${t.kind}`,
        { type: 'object', 'x-kubernetes-group-version-kind': [{ group: t.group, version: t.version, kind: t.kind }] },
      ]),
    ),
  };
}

export { groupVersion };
