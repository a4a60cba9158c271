/** What an audit event says about a request's target, as kube-apiserver's RequestInfo resolves it. */
export interface ObjectReference {
  resource?: string;
  namespace?: string;
  name?: string;
  apiGroup?: string;
  apiVersion?: string;
  subresource?: string;
}

export interface RequestInfo {
  /** Kubernetes' verb (get, list, watch, create, update, patch, delete, deletecollection); the lowercase HTTP method outside the resource API. */
  verb: string;
  objectRef?: ObjectReference;
}

/** Namespace subresources: `namespaces/ns/status` is the Namespace's status, not a resource `status` in ns. */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/**
 * Reads the verb and the object a request addresses from its method and URL alone (no registry:
 * an audit line is written for a path no kind serves too). Worked examples:
 *
 *   GET    /api/v1/namespaces/shop/pods              -> list   pods in shop
 *   GET    /api/v1/namespaces/shop/pods?watch=true   -> watch  pods in shop
 *   GET    /api/v1/namespaces/shop/pods/web-1/log    -> get    pods web-1 in shop, subresource log
 *   DELETE /apis/apps/v1/namespaces/shop/deployments -> deletecollection deployments in shop
 *   PUT    /api/v1/namespaces/shop/status            -> update namespaces shop, subresource status
 *   GET    /healthz                                  -> get, no objectRef
 */
export function requestInfo(method: string, url: string): RequestInfo {
  const [pathname, search = ''] = url.split('?');
  const httpVerb = method.toLowerCase();
  const segments = pathname.split('/').filter((s) => s.length > 0).map(safeDecode);
  let apiGroup: string;
  let apiVersion: string;
  let parts: string[];
  if (segments[0] === 'api' && segments.length >= 3) {
    apiGroup = '';
    apiVersion = segments[1];
    parts = segments.slice(2);
  } else if (segments[0] === 'apis' && segments.length >= 4) {
    apiGroup = segments[1];
    apiVersion = segments[2];
    parts = segments.slice(3);
  } else {
    return { verb: httpVerb };
  }
  // The deprecated `/api/v1/watch/...` form.
  let watch = new URLSearchParams(search).get('watch');
  if (parts[0] === 'watch') {
    watch = 'true';
    parts = parts.slice(1);
  }
  let namespace: string | undefined;
  if (parts[0] === 'namespaces' && parts.length > 1) {
    namespace = parts[1];
    if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2])) parts = parts.slice(2);
  }
  const [resource, name, subresource] = parts;
  // The Namespace itself (`namespaces/shop`) is no namespaced request.
  if (resource === 'namespaces') namespace = undefined;
  const verb = resourceVerb(method.toUpperCase(), name !== undefined, watch === 'true' || watch === '1');
  const objectRef: ObjectReference = { resource, namespace, name, apiGroup: apiGroup || undefined, apiVersion, subresource };
  return { verb, objectRef: Object.fromEntries(Object.entries(objectRef).filter(([, v]) => v !== undefined)) };
}

function resourceVerb(method: string, named: boolean, watch: boolean): string {
  switch (method) {
    case 'GET':
    case 'HEAD':
      return watch ? 'watch' : named ? 'get' : 'list';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return named ? 'delete' : 'deletecollection';
    default:
      return method.toLowerCase();
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
