import { BadRequestError } from '@skiff/apimachinery';

/**
 * A list's continue token: the last (namespace, name) of the page, and the resourceVersion the
 * list is read at, so every page shows the same state (as kube-apiserver's token carries etcd's
 * revision). Base64url of `[namespace, name, resourceVersion]`; tokens from before carried no
 * resourceVersion, and the Rest list still reads those as "the current state after this key".
 */
export interface ContinueToken {
  namespace: string;
  name: string;
  resourceVersion?: string;
}

export function encodeContinueToken(token: ContinueToken): string {
  const fields = token.resourceVersion === undefined ? [token.namespace, token.name] : [token.namespace, token.name, token.resourceVersion];
  return Buffer.from(JSON.stringify(fields)).toString('base64url');
}

export function decodeContinueToken(text: string): ContinueToken {
  try {
    const [namespace, name, resourceVersion] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown[];
    if (typeof namespace !== 'string' || typeof name !== 'string') throw new Error('bad token');
    if (resourceVersion !== undefined && (typeof resourceVersion !== 'string' || !/^\d{1,19}$/.test(resourceVersion))) throw new Error('bad token');
    return { namespace, name, ...(resourceVersion !== undefined ? { resourceVersion } : {}) };
  } catch {
    throw new BadRequestError('the provided continue parameter is not valid');
  }
}
