import type { IncomingMessage } from 'node:http';
import { BadRequestError } from '@skiff/apimachinery';
import { AUTHENTICATED_GROUP, type Principal } from '../auth.js';
import { authorizeAttributes, type RuleAuthorizer } from '../authorizer.js';
import { serviceAccountGroups, serviceAccountOf, type Attributes } from './rules.js';

const USER = 'impersonate-user';
const GROUP = 'impersonate-group';
const UID = 'impersonate-uid';
const EXTRA_PREFIX = 'impersonate-extra-';

/**
 * Kubernetes' impersonation filter: `Impersonate-User`, `-Group`, `-Uid` and `-Extra-<key>`
 * headers make the request act as another user, if the requester may `impersonate` each of them
 * (users, groups, serviceaccounts in their namespace, authentication.k8s.io uids and
 * userextras/<key>). Returns the requester when there are no such headers; throws Forbidden
 * naming the first thing it may not impersonate.
 */
export function impersonate(requester: Principal, request: IncomingMessage, rbac: RuleAuthorizer | undefined): Principal {
  // Most requests impersonate nobody: answer them without building every header's value list.
  if (!hasImpersonationHeader(request)) return requester;
  const headers = distinctHeaders(request);
  const user = headers[USER]?.[0];
  const groups = headers[GROUP] ?? [];
  const uid = headers[UID]?.[0];
  const extra: Record<string, string[]> = {};
  for (const [header, values] of Object.entries(headers)) {
    if (header.startsWith(EXTRA_PREFIX) && values) extra[extraKey(header.slice(EXTRA_PREFIX.length))] = values;
  }
  const extraKeys = Object.keys(extra);
  if (user === undefined) {
    if (groups.length || uid !== undefined || extraKeys.length) {
      throw new BadRequestError(`requested impersonation without a user: Impersonate-User is required with Impersonate-Group, Impersonate-Uid and Impersonate-Extra-*`);
    }
    return requester;
  }

  const checks: Attributes[] = [];
  const sa = serviceAccountOf(user);
  checks.push(sa ? impersonation('', 'serviceaccounts', sa.name, sa.namespace) : impersonation('', 'users', user));
  for (const g of groups) checks.push(impersonation('', 'groups', g));
  if (uid !== undefined) checks.push(impersonation('authentication.k8s.io', 'uids', uid));
  for (const key of extraKeys) for (const v of extra[key]) checks.push({ ...impersonation('authentication.k8s.io', 'userextras', v), subresource: key });
  for (const attrs of checks) authorizeAttributes(requester, attrs, rbac);

  const asGroups = [...groups];
  // A ServiceAccount is in its groups whether or not they are asked for.
  if (sa) for (const g of serviceAccountGroups(sa.namespace)) if (!asGroups.includes(g)) asGroups.push(g);
  if (user !== 'system:anonymous' && !asGroups.includes(AUTHENTICATED_GROUP)) asGroups.push(AUTHENTICATED_GROUP);
  return { name: user, groups: asGroups, ...(uid !== undefined ? { uid } : {}), ...(extraKeys.length ? { extra } : {}) };
}

function impersonation(apiGroup: string, resource: string, name: string, namespace?: string): Attributes & { resourceRequest: true } {
  return { resourceRequest: true, verb: 'impersonate', apiGroup, resource, name, namespace };
}

/** An `Impersonate-Extra-<key>` header's key is percent-encoded (header names cannot hold every character). */
function extraKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded).toLowerCase();
  } catch {
    throw new BadRequestError(`invalid Impersonate-Extra header key: ${encoded}`);
  }
}

function hasImpersonationHeader(request: IncomingMessage): boolean {
  for (const name in request.headers) if (name.startsWith('impersonate-')) return true;
  return false;
}

/** Each header's values, repeated headers kept apart (a request injected in-process has no headersDistinct). */
function distinctHeaders(request: IncomingMessage): Record<string, string[] | undefined> {
  if (request.headersDistinct) return request.headersDistinct;
  return Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, v === undefined ? undefined : Array.isArray(v) ? v : [v]]));
}
