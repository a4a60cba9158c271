import type { KubeObject, ResourceType } from '@skiff/apimachinery';
import type { KindResolution } from './kindResolution.js';
import { APP_LABEL, REVISION, TRACKING_ID, trackingId, typeOf, type AppRef } from './tracking.js';

export interface ManifestRef {
  object: KubeObject;
  file: string;
  line: number;
}

export interface DesiredObject {
  /** What is applied: the manifest, in the destination namespace, with Skiff's tracking marks. */
  object: KubeObject;
  type: ResourceType;
  file: string;
  line: number;
  /** A CRD of the same revision defines its kind: it is applied once that CRD is Established. */
  definedBy?: string;
}

export interface DesiredError {
  file: string;
  line: number;
  field?: string;
  message: string;
}

/**
 * The objects a revision asks for: each manifest's kind must be one the API server serves (or
 * one a CRD of the revision defines);
 * namespaced objects without a namespace go to the destination namespace; every object carries
 * the Application's label, its tracking id and the revision it came from.
 */
export function desiredObjects(
  app: AppRef,
  destinationNamespace: string,
  manifests: readonly ManifestRef[],
  revision: string,
  kinds: Pick<KindResolution, 'typeOf'> & Partial<Pick<KindResolution, 'definedBy'>> = { typeOf },
): { ok: true; objects: DesiredObject[] } | { ok: false; errors: DesiredError[] } {
  const objects: DesiredObject[] = [];
  const errors: DesiredError[] = [];
  for (const m of manifests) {
    const type = kinds.typeOf(m.object);
    if (!type) {
      errors.push({ file: m.file, line: m.line, field: 'kind', message: `no matches for kind "${m.object.kind}" in version "${m.object.apiVersion}"` });
      continue;
    }
    const object = structuredClone(m.object);
    object.metadata = { ...object.metadata };
    if (type.namespaced) object.metadata.namespace ??= destinationNamespace;
    else delete object.metadata.namespace;
    object.metadata.labels = { ...(object.metadata.labels ?? {}), [APP_LABEL]: app.name };
    object.metadata.annotations = { ...(object.metadata.annotations ?? {}), [TRACKING_ID]: trackingId(app, object), [REVISION]: revision };
    const definedBy = kinds.definedBy?.(object);
    objects.push({ object, type, file: m.file, line: m.line, ...(definedBy ? { definedBy } : {}) });
  }
  return errors.length ? { ok: false, errors } : { ok: true, objects };
}

/** Namespaces this revision brings: its Namespace objects, and the destination with CreateNamespace=true. */
export function namespacesCreatedBy(objects: readonly DesiredObject[], destinationNamespace: string, createNamespace: boolean): Set<string> {
  const out = new Set(objects.filter((o) => o.object.kind === 'Namespace' && o.object.apiVersion === 'v1').map((o) => o.object.metadata.name!));
  if (createNamespace) out.add(destinationNamespace);
  return out;
}

/** The `Key=Value` sync options as a map. */
export function syncOptions(list: readonly string[] | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const item of list ?? []) {
    const i = item.indexOf('=');
    if (i > 0) out.set(item.slice(0, i), item.slice(i + 1));
  }
  return out;
}
