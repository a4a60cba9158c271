import { NotFoundError, type Kind, type KindRegistry } from '@skiff/apimachinery';

/** A request path resolved against the resource registry. */
export interface ResourcePath {
  type: Kind;
  /** Set for namespaced requests; undefined means all namespaces (lists) or a cluster-scoped kind. */
  namespace?: string;
  name?: string;
  subresource?: string;
}

/**
 * Parses `/api/v1/...` and `/apis/{group}/{version}/...` into a resource path of a kind `kinds` serves. Returns undefined for
 * paths that are not resource paths of a served group version (discovery documents are routed
 * separately).
 *
 *   /api/v1/pods                              -> pods, all namespaces
 *   /api/v1/namespaces/ns/pods/p/log          -> pods "p" in ns, subresource log
 *   /api/v1/namespaces/ns                     -> namespaces "ns" (the kind itself)
 *   /api/v1/namespaces/ns/status              -> namespaces "ns", subresource status
 */
export function parseResourcePath(pathname: string, kinds: KindRegistry): ResourcePath | undefined {
  const segments = pathname.split('/').filter((s) => s.length > 0).map(decodeURIComponent);
  let group: string;
  let version: string;
  let rest: string[];
  if (segments[0] === 'api' && segments.length >= 3) {
    group = '';
    version = segments[1];
    rest = segments.slice(2);
  } else if (segments[0] === 'apis' && segments.length >= 4) {
    group = segments[1];
    version = segments[2];
    rest = segments.slice(3);
  } else {
    return undefined;
  }

  // An unserved group or version is no API path at all: kube-apiserver's mux answers a plain 404.
  if (!kinds.servesGroupVersion(group, version)) return undefined;

  let namespace: string | undefined;
  // `namespaces/{ns}/{resource}...` addresses a namespaced resource, unless the third segment is a
  // subresource of the Namespace itself (`namespaces/{ns}/status`, `namespaces/{ns}/finalize`).
  if (rest[0] === 'namespaces' && rest.length >= 3 && rest[2] !== 'status' && rest[2] !== 'finalize') {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource, ...extra] = rest;
  // A path no route serves: kube-apiserver's route table answers with a generic 404 and empty details.
  const noRoute = () => new NotFoundError({}, 'the server could not find the requested resource');
  if (extra.length > 0) throw noRoute();
  const type = kinds.findResource(group, version, resource);
  if (!type) throw noRoute();
  if (namespace !== undefined && !type.namespaced) throw noRoute();
  if (subresource !== undefined && !type.subresources.includes(subresource as never)) throw noRoute();
  return { type, namespace, name, subresource };
}
