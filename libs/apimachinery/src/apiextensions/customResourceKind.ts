import type { CustomResourceDefinition, CustomResourceDefinitionVersion } from 'kubernetes-types/apiextensions/v1.js';
import type { Kind } from '../kinds/kind.js';
import { builtinOpenApi, type OpenApiSchemas, type SchemaObject } from '../kinds/openapi/openApiSchemas.js';
import type { ListStrategy } from '../patchSchema.js';
import { resourceType, type Subresource } from '../resources.js';
import { customResourcePrinter } from './customResourcePrinter.js';
import { defaultCustomResource } from './defaultCustomResource.js';
import { jsonPathValue } from './jsonPath.js';
import { pruneCustomResource } from './pruneCustomResource.js';
import { itemsOf, type Schema } from './schema.js';
import { validateCustomResource } from './validateCustomResource.js';

/**
 * The kinds a CustomResourceDefinition serves: one per served version, named by its accepted
 * names, validated, defaulted and pruned by that version's structural schema, printed by its
 * printer columns, with its status and scale subresources. All versions share one storage (the
 * storage version's apiVersion); with conversion None only apiVersion differs between them.
 */
export function customResourceKinds(crd: CustomResourceDefinition): Kind[] {
  const names = crd.status?.acceptedNames?.plural ? crd.status.acceptedNames : crd.spec.names;
  const storage = crd.spec.versions.find((v) => v.storage)?.name ?? crd.spec.versions[0]?.name;
  return crd.spec.versions.filter((v) => v.served).map((v) => customResourceKind(crd, v, names, `${crd.spec.group}/${storage}`));
}

function customResourceKind(crd: CustomResourceDefinition, v: CustomResourceDefinitionVersion, names: CustomResourceDefinition['spec']['names'], storageApiVersion: string): Kind {
  const schema = (v.schema?.openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }) as Schema;
  const subresources: Subresource[] = [];
  if (v.subresources?.status) subresources.push('status');
  if (v.subresources?.scale) subresources.push('scale');
  const scale = v.subresources?.scale;
  return {
    ...resourceType(crd.spec.group, v.name, names.plural, names.kind, crd.spec.scope === 'Namespaced', {
      shortNames: names.shortNames ?? [],
      categories: names.categories ?? [],
      singular: names.singular || names.kind.toLowerCase(),
      subresources,
    }),
    listKind: names.listKind || `${names.kind}List`,
    defaults: (obj) => {
      pruneCustomResource(obj, schema);
      defaultCustomResource(obj, schema);
    },
    validate: (obj, errs) => errs.push(...validateCustomResource(obj, schema)),
    printer: customResourcePrinter(v.additionalPrinterColumns),
    lists: mapLists(schema, ''),
    prune: (obj) => pruneCustomResource(obj, schema),
    allowUnconditionalUpdate: false,
    strategicMergePatch: false,
    storageApiVersion,
    openApi: customResourceOpenApi(crd.spec.group, v.name, names.kind, schema),
    ...(scale
      ? {
          scale: {
            specReplicasPath: scale.specReplicasPath,
            statusReplicasPath: scale.statusReplicasPath,
            selector: (obj) => {
              const selector = scale.labelSelectorPath ? jsonPathValue(obj, scale.labelSelectorPath) : undefined;
              return typeof selector === 'string' ? selector : '';
            },
          },
        }
      : {}),
  };
}

/**
 * Lists that server-side apply and merge patches merge by key: `x-kubernetes-list-type: map`
 * (by its first map key; Skiff's merge keys are single fields) and `set` (a union). Every other
 * list is atomic, as Kubernetes treats custom resources' lists.
 */
function mapLists(s: Schema, path: string): Record<string, ListStrategy> {
  const out: Record<string, ListStrategy> = {};
  const type = s['x-kubernetes-list-type'];
  const keys = s['x-kubernetes-list-map-keys'] ?? [];
  if (path && type === 'map' && keys.length > 0) out[path] = { mergeKey: keys[0], strategy: 'merge' };
  if (path && type === 'set') out[path] = { strategy: 'merge' };
  const items = itemsOf(s);
  if (items) Object.assign(out, mapLists(items, `${path}[]`));
  for (const [k, p] of Object.entries(s.properties ?? {})) Object.assign(out, mapLists(p, path ? `${path}.${k}` : k));
  return out;
}

/**
 * A custom resource's schema as kube-apiserver publishes it: the version's schema with apiVersion,
 * kind and metadata (an ObjectMeta reference) filled in, named as Kubernetes names it (the group
 * reversed: `com.example.stable.v1.CronTab`), with ObjectMeta's schemas beside it.
 */
export function customResourceOpenApi(group: string, version: string, kind: string, schema: Schema): OpenApiSchemas {
  const root = `${group.split('.').reverse().join('.')}.${version}.${kind}`;
  const objectMeta = builtinOpenApi('V1ObjectMeta');
  return {
    root,
    schemas: () => {
      const component = structuredClone(schema) as SchemaObject & { properties?: Record<string, unknown> };
      component.properties = {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        metadata: { allOf: [{ $ref: `#/components/schemas/${objectMeta.root}` }] },
        ...(component.properties ?? {}),
      };
      return { ...objectMeta.schemas(), [root]: component };
    },
  };
}
