import { serviceAccountGroups, type KubeObject } from '@skiff/apimachinery';
import type { Store } from '@skiff/store';
import type { Authenticator } from './auth.js';
import type { ServiceAccountTokenKeys } from './serviceAccountTokens.js';

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
  return async (token) => {
    const now = clock();
    const claims = await keys.verify(token, now);
    if (!claims) return undefined;
    const { namespace, serviceaccount, pod, secret } = claims['kubernetes.io'];
    if (!(await live('serviceaccounts', namespace, serviceaccount, now))) return undefined;
    if (!(await live('pods', namespace, pod, now))) return undefined;
    if (!(await live('secrets', namespace, secret, now))) return undefined;
    return { name: claims.sub, groups: serviceAccountGroups(namespace) };
  };
}
