import { serviceAccountGroups, type KubeObject } from '@skiff/apimachinery';
import type { Store } from '@skiff/store';
import type { Authenticator } from './auth.js';
import type { ServiceAccountClaims, ServiceAccountTokenKeys } from './serviceAccountTokens.js';

/** Verified tokens remembered at most (then forgotten all at once). */
const MAX_VERIFIED = 10_000;

type Bound = { name: string; uid: string } | undefined;

/**
 * A bound token is good while what it names is: the ServiceAccount, and the Pod or Secret it was
 * bound to, still exist with the uids it was issued for (so deleting the pod ends its tokens), and
 * the bound object is not past its deletion time (Kubernetes' validator, legacy tokens aside).
 */
export function serviceAccountTokenAuthenticator(keys: ServiceAccountTokenKeys, store: Store, clock: () => Date = () => new Date()): Authenticator {
  const live = async (resource: string, namespace: string, ref: Bound, now: Date): Promise<boolean> => {
    if (!ref) return true;
    const obj: KubeObject | undefined = await store.get({ group: '', resource, namespace, name: ref.name });
    if (!obj || obj.metadata.uid !== ref.uid) return false;
    const deletion = obj.metadata.deletionTimestamp;
    return !deletion || Date.parse(deletion) > now.getTime();
  };
  // Tokens whose signature, issuer and audience were verified: that does not change while the
  // token lives, so a client's next request skips the signature check; the time window and the
  // bound objects below are checked on every request.
  const verified = new Map<string, ServiceAccountClaims>();
  const verify = async (token: string, now: Date): Promise<ServiceAccountClaims | undefined> => {
    const seconds = Math.floor(now.getTime() / 1000);
    const held = verified.get(token);
    if (held && held.nbf <= seconds && held.exp > seconds) return held;
    const claims = await keys.verify(token, now);
    if (!claims) return undefined;
    if (verified.size >= MAX_VERIFIED) verified.clear();
    verified.set(token, claims);
    return claims;
  };
  return async (token) => {
    const now = clock();
    const claims = await verify(token, now);
    if (!claims) return undefined;
    const { namespace, serviceaccount, pod, secret } = claims['kubernetes.io'];
    if (!(await live('serviceaccounts', namespace, serviceaccount, now))) return undefined;
    if (!(await live('pods', namespace, pod, now))) return undefined;
    if (!(await live('secrets', namespace, secret, now))) return undefined;
    return { name: claims.sub, groups: serviceAccountGroups(namespace) };
  };
}
