import {
  BadRequestError,
  ConflictError,
  decodeProtobufObject,
  DEFAULT_TOKEN_EXPIRATION_SECONDS,
  InvalidError,
  NotFoundError,
  TOKEN_REQUEST_MESSAGE,
  validateTokenRequest,
  type KubeObject,
} from '@skiff/apimachinery';
import type { Store } from '@skiff/store';
import type { BoundObjectReference, TokenRequest } from 'kubernetes-types/authentication/v1.js';
import type { Pod } from 'kubernetes-types/core/v1.js';
import { serviceAccountClaims, type KubernetesClaims, type ServiceAccountTokenKeys } from './serviceAccountTokens.js';

const GROUP = 'authentication.k8s.io';

export interface TokenRequestDeps {
  store: Store;
  keys: ServiceAccountTokenKeys;
  clock: () => Date;
  /** Checks who may bind a token to this pod (a node only to pods bound to it), before one is issued. */
  authorizeBoundPod: (pod: Pod | undefined) => void;
}

/** kubectl's typed client sends its TokenRequest as protobuf. */
export function decodeTokenRequest(body: Buffer): KubeObject {
  return decodeProtobufObject(body, (apiVersion, kind) => (apiVersion === `${GROUP}/v1` && kind === 'TokenRequest' ? { protobuf: TOKEN_REQUEST_MESSAGE } : undefined));
}

/**
 * `POST .../serviceaccounts/NAME/token` (Kubernetes' registry/core/serviceaccount/storage/token.go):
 * a signed token for the ServiceAccount, for the asked audiences (default: the API server's),
 * optionally bound to a Pod or Secret of its namespace, so that the token dies with that object.
 */
export async function createToken(deps: TokenRequestDeps, namespace: string, name: string, body: KubeObject): Promise<TokenRequest> {
  const request = body as unknown as TokenRequest;
  const errs = validateTokenRequest(request);
  if (errs.length) throw new InvalidError({ kind: 'TokenRequest', group: GROUP, name }, errs);
  const get = (resource: string, objName: string) => deps.store.get({ group: '', resource, namespace, name: objName });

  // Who may bind to what is settled first, so a node learns nothing about accounts it may not use.
  const ref = request.spec?.boundObjectRef;
  const target = ref ? await boundObject(ref, get) : undefined;
  const pod = ref?.kind === 'Pod' ? (target as Pod) : undefined;
  deps.authorizeBoundPod(pod);

  const serviceAccount = await get('serviceaccounts', name);
  if (!serviceAccount) throw new NotFoundError({ kind: 'serviceaccounts', name });
  const bound: KubernetesClaims = { namespace, serviceaccount: { name, uid: serviceAccount.metadata.uid! } };
  const boundRef: BoundObjectReference | undefined = ref && target ? { ...ref, apiVersion: 'v1', uid: target.metadata.uid } : undefined;
  if (pod) {
    const podServiceAccount = pod.spec?.serviceAccountName || 'default';
    if (podServiceAccount !== name) throw new BadRequestError(`cannot bind token for serviceaccount "${name}" to pod running with different serviceaccount name.`);
    bound.pod = { name: ref!.name!, uid: pod.metadata!.uid! };
    const nodeName = pod.spec?.nodeName;
    const node = nodeName ? await deps.store.get({ group: '', resource: 'nodes', namespace: '', name: nodeName }) : undefined;
    if (node) bound.node = { name: nodeName!, uid: node.metadata.uid! };
  } else if (target) {
    bound.secret = { name: ref!.name!, uid: target.metadata.uid! };
  }

  const now = deps.clock();
  const audiences = request.spec?.audiences?.length ? request.spec.audiences : deps.keys.apiAudiences;
  const expirationSeconds = request.spec?.expirationSeconds ?? DEFAULT_TOKEN_EXPIRATION_SECONDS;
  const claims = serviceAccountClaims(deps.keys.issuer, audiences, now, expirationSeconds, bound);
  const token = await deps.keys.sign(claims);
  const time = (seconds: number) => new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
  return {
    apiVersion: `${GROUP}/v1`,
    kind: 'TokenRequest',
    metadata: { name, namespace, creationTimestamp: time(claims.iat) },
    spec: { audiences, expirationSeconds, ...(boundRef ? { boundObjectRef: boundRef } : {}) },
    status: { token, expirationTimestamp: time(claims.exp) },
  };
}

/** The Pod or Secret a token is bound to: it must exist, and be the one the reference's uid names. */
async function boundObject(ref: BoundObjectReference, get: (resource: string, name: string) => Promise<KubeObject | undefined>): Promise<KubeObject> {
  const resource = ref.kind === 'Pod' ? 'pods' : ref.kind === 'Secret' ? 'secrets' : undefined;
  if (!resource || (ref.apiVersion ?? 'v1') !== 'v1') throw new BadRequestError(`cannot bind token to object of type ${ref.apiVersion ?? ''}, Kind=${ref.kind ?? ''}`);
  if (!ref.name) throw new BadRequestError('boundObjectRef.name is required');
  const obj = await get(resource, ref.name);
  if (!obj) throw new NotFoundError({ kind: resource, name: ref.name });
  if (ref.uid && ref.uid !== obj.metadata.uid) {
    throw new ConflictError({ kind: resource, name: ref.name }, `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
  }
  return obj;
}
