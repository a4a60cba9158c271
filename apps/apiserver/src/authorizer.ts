import { ForbiddenError, forbiddenMessage, goQuote, NODE_GROUP, NODE_USER_PREFIX, podReferences, shape, volumeNodeName, type KubeObject, type PodReferences } from '@skiff/apimachinery';
import type { PersistentVolume, Pod } from 'kubernetes-types/core/v1.js';
import type { Principal } from './auth.js';
import type { ResourcePath } from './paths.js';
import type { Attributes } from './rbac/rules.js';


export function nodeNameOf(p: Principal): string | undefined {
  return p.groups.includes(NODE_GROUP) && p.name.startsWith(NODE_USER_PREFIX) ? p.name.slice(NODE_USER_PREFIX.length) : undefined;
}

export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface Request {
  verb: Verb;
  path: ResourcePath;
  query: Record<string, string | undefined>;
}

/** The RBAC authorizer (rbac/), consulted after the built-in rules. */
export interface RuleAuthorizer {
  allows(user: Principal, attrs: Attributes): boolean;
}

/**
 * Decides before the handler runs, as kube-apiserver's authorizer chain: admins (system:masters)
 * may do everything; a node may act only on its own Node and Lease and on the pods bound to it
 * (like Kubernetes' Node authorizer and NodeRestriction admission), and read what its pods
 * reference (pod-specific checks that need the stored pod are made by `authorizePodAccess`); then
 * RBAC; else Forbidden.
 */
export function authorize(p: Principal, req: Request, rbac?: RuleAuthorizer): void {
  if (p.groups.includes('system:masters')) return;
  const node = nodeNameOf(p);
  if (node !== undefined && nodeMay(node, req)) return;
  const attrs = resourceAttributes(req);
  if (rbac?.allows(p, attrs)) return;
  throw forbidden(p, attrs);
}

/** The chain for what is not a request of a served kind: non-resource paths, impersonation, bind and escalate. */
export function isAllowed(p: Principal, attrs: Attributes, rbac: RuleAuthorizer | undefined): boolean {
  return p.groups.includes('system:masters') || !!rbac?.allows(p, attrs);
}

export function authorizeAttributes(p: Principal, attrs: Attributes, rbac: RuleAuthorizer | undefined): void {
  if (!isAllowed(p, attrs, rbac)) throw forbidden(p, attrs);
}

function resourceAttributes({ verb, path }: Request): Attributes {
  return { resourceRequest: true, verb, apiGroup: path.type.group, resource: path.type.resource, subresource: path.subresource, namespace: path.namespace, name: path.name };
}

/** kube-apiserver's Forbidden for a denied request. */
export function forbidden(p: Principal, attrs: Attributes): ForbiddenError {
  if (!attrs.resourceRequest) return new ForbiddenError(forbiddenMessage({}, `User ${goQuote(p.name)} cannot ${attrs.verb} path ${goQuote(attrs.path)}`));
  // kube-apiserver's words: the resource is qualified by its group before "is forbidden", and
  // named with its subresource after "cannot <verb>".
  const what = `${attrs.resource}${attrs.subresource ? `/${attrs.subresource}` : ''}`;
  const where = attrs.namespace ? `in the namespace "${attrs.namespace}"` : 'at the cluster scope';
  const target = { kind: attrs.resource, group: attrs.apiGroup, name: attrs.name };
  return new ForbiddenError(forbiddenMessage(target, `User "${p.name}" cannot ${attrs.verb} resource "${what}" in API group "${attrs.apiGroup}" ${where}`), target);
}

function nodeMay(node: string, { verb, path, query }: Request): boolean {
  const r = path.type.resource;
  const read = verb === 'get' || verb === 'list' || verb === 'watch';
  switch (r) {
    case 'nodes':
      if (read) return true;
      return path.name === node || (verb === 'create' && path.name === undefined);
    case 'leases':
      return path.namespace === 'kube-node-lease' && (path.name === node || (verb === 'create' && path.name === undefined) || (read && path.name === undefined));
    case 'pods':
      if (path.name === undefined) return read && query.fieldSelector === `spec.nodeName=${node}`;
      // Which node a named pod is bound to is checked against the stored pod by authorizePodAccess.
      return read || verb === 'delete' || ((verb === 'update' || verb === 'patch') && path.subresource === 'status');
    case 'persistentvolumes':
      // Which node a named volume lives on is checked against the stored volume by authorizeVolumeAccess.
      return read || ((verb === 'update' || verb === 'patch') && path.name !== undefined && path.subresource === undefined);
    case 'persistentvolumeclaims':
    case 'configmaps':
    case 'secrets':
      // By name only, and only what a pod bound to this node uses: checked against the stored pods by authorizeNodeReference.
      return verb === 'get' && path.name !== undefined;
    case 'storageclasses':
    case 'services':
    case 'endpoints':
    case 'namespaces':
      return read;
    case 'events':
      return verb === 'create' || verb === 'patch' || verb === 'update';
    case 'serviceaccounts':
      // Tokens for its pods' projected volumes; which pod a token is bound to is checked by authorizeNodeTokenRequest.
      return verb === 'create' && path.name !== undefined && path.subresource === 'token';
    default:
      return false;
  }
}

/** For node principals: a named pod may only be touched by the node it is bound to. */
export function authorizePodAccess(p: Principal, pod: KubeObject | undefined): void {
  const node = nodeNameOf(p);
  if (node === undefined || p.groups.includes('system:masters') || !pod) return;
  const boundTo = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
  if (boundTo !== node) {
    throw new ForbiddenError(`pods "${pod.metadata.name}" is forbidden: node "${node}" can only access pods bound to it`, { kind: 'pods', name: pod.metadata.name });
  }
}

/**
 * For node principals: a volume may only be changed by the node whose directory it is (the agent
 * removes its cleanup finalizer once the directory is gone); anything else it may only read.
 */
export function authorizeVolumeAccess(p: Principal, volume: KubeObject | undefined): void {
  const node = nodeNameOf(p);
  if (node === undefined || p.groups.includes('system:masters') || !volume) return;
  if (volumeNodeName(shape<PersistentVolume>(volume)) !== node) {
    throw new ForbiddenError(`persistentvolumes "${volume.metadata.name}" is forbidden: node "${node}" can only modify volumes that live on it`, { kind: 'persistentvolumes', name: volume.metadata.name });
  }
}

// ---- ServiceAccount tokens (issue 12) -------------------------------------------------------

/**
 * For node principals: a token may only be requested bound to a pod bound to that node
 * (NodeRestriction admission's rule for `serviceaccounts/token`), so a node mints tokens for the
 * pods it runs and no others.
 */
export function authorizeNodeTokenRequest(p: Principal, boundPod: Pod | undefined): void {
  const node = nodeNameOf(p);
  if (node === undefined || p.groups.includes('system:masters')) return;
  if (!boundPod) throw new ForbiddenError(forbiddenMessage({ kind: 'serviceaccounts' }, 'node requested token not bound to a pod'), { kind: 'serviceaccounts' });
  if (boundPod.spec?.nodeName !== node) throw new ForbiddenError(forbiddenMessage({ kind: 'serviceaccounts' }, 'node requested token bound to a pod scheduled on a different node'), { kind: 'serviceaccounts' });
}

/** What a node may read only when a pod bound to it uses it (Kubernetes' Node authorizer graph). */
const NODE_REFERENCED: Record<string, keyof PodReferences> = { secrets: 'secrets', configmaps: 'configMaps', persistentvolumeclaims: 'claims' };

/**
 * For node principals reading a Secret, ConfigMap or PersistentVolumeClaim: allowed only when a pod
 * bound to that node uses it (volumes, env, envFrom, imagePullSecrets), so a node's token reads its
 * pods' secrets and nobody else's. `podsIn` lists the namespace's pods.
 */
export async function authorizeNodeReference(p: Principal, path: ResourcePath, podsIn: (namespace: string, node: string) => Promise<readonly KubeObject[]>): Promise<void> {
  const node = nodeNameOf(p);
  const field = NODE_REFERENCED[path.type.resource];
  if (node === undefined || p.groups.includes('system:masters') || path.type.group !== '' || !field || !path.name || !path.namespace) return;
  const pods = await podsIn(path.namespace, node);
  if (pods.some((pod) => (pod.spec as { nodeName?: string } | undefined)?.nodeName === node && podReferences(pod)[field].has(path.name!))) return;
  const target = { kind: path.type.resource, name: path.name };
  throw new ForbiddenError(`${path.type.resource} "${path.name}" is forbidden: User "${p.name}" cannot get resource "${path.type.resource}" in API group "" in the namespace "${path.namespace}": no relationship found between node '${node}' and this object`, target);
}
