import { customResourceKinds, findByKind, groupVersion, type KubeObject, type ResourceType } from '@skiff/apimachinery';
import type { ApiDiscovery } from '@skiff/kube-client';
import type { CustomResourceDefinition } from 'kubernetes-types/apiextensions/v1.js';

/** How each manifest of a revision maps to a resource of the API server. */
export interface KindResolution {
  typeOf(obj: { apiVersion: string; kind: string }): ResourceType | undefined;
  /** The CRD of this same revision that defines the object's kind (its objects wait for it to be Established). */
  definedBy(obj: { apiVersion: string; kind: string }): string | undefined;
}

const key = (apiVersion: string, kind: string) => `${apiVersion}/${kind}`;

/**
 * Resolves the kinds of a revision's manifests: built-in kinds from the registry; kinds defined by
 * a CustomResourceDefinition in the same revision from that CRD (so a CRD and its objects can
 * arrive in one commit, before the server serves the kind); other kinds by asking the server's
 * discovery (CRDs installed earlier or by someone else).
 */
export async function resolveKinds(manifests: readonly { object: KubeObject }[], discovery: ApiDiscovery | undefined): Promise<KindResolution> {
  const fromRevision = new Map<string, { type: ResourceType; crd: string }>();
  for (const { object } of manifests) {
    if (object.apiVersion !== 'apiextensions.k8s.io/v1' || object.kind !== 'CustomResourceDefinition') continue;
    try {
      for (const type of customResourceKinds(object as unknown as CustomResourceDefinition)) {
        fromRevision.set(key(groupVersion(type), type.kind), { type, crd: object.metadata.name! });
      }
    } catch {
      // A malformed CRD defines nothing; its dry run says what is wrong with it.
    }
  }
  const discovered = new Map<string, ResourceType>();
  for (const { object } of manifests) {
    const k = key(object.apiVersion, object.kind);
    if (findByKind(object.apiVersion, object.kind) || fromRevision.has(k) || discovered.has(k) || !discovery) continue;
    const type = await discovery.resourceFor(object.apiVersion, object.kind);
    if (type) discovered.set(k, type);
  }
  return {
    typeOf: (obj) => findByKind(obj.apiVersion, obj.kind) ?? fromRevision.get(key(obj.apiVersion, obj.kind))?.type ?? discovered.get(key(obj.apiVersion, obj.kind)),
    definedBy: (obj) => (findByKind(obj.apiVersion, obj.kind) ? undefined : fromRevision.get(key(obj.apiVersion, obj.kind))?.crd),
  };
}
