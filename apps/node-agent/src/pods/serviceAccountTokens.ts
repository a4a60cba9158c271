import type { KubeObject } from '@skiff/apimachinery';
import { resourceType, type ApiClient } from '@skiff/kube-client';
import type { TokenRequest } from 'kubernetes-types/authentication/v1.js';
import type { ServiceAccountTokenProjection } from 'kubernetes-types/core/v1.js';
import { podSpec } from './podSpec.js';

/** A token a pod's projected volume asks for: one per audience and lifetime, bound to the pod. */
export interface TokenWanted {
  audience?: string;
  expirationSeconds: number;
}

/** A token the API server issued for the pod, or why it did not. */
export type IssuedToken = { ok: true; token: string; issuedAtMs: number; expiresAtMs: number } | { ok: false; message: string };

/** The pod the tokens are bound to. */
export interface BoundPod {
  name: string;
  uid: string;
  namespace: string;
  serviceAccountName: string;
}

export function tokenKey(source: ServiceAccountTokenProjection): string {
  return `${source.audience ?? ''}|${source.expirationSeconds ?? 3600}`;
}

/** The distinct tokens the pod's projected volumes ask for, by `tokenKey`. */
export function tokensWanted(pod: KubeObject): Map<string, TokenWanted> {
  const wanted = new Map<string, TokenWanted>();
  for (const v of podSpec(pod).volumes ?? []) {
    for (const s of v.projected?.sources ?? []) {
      if (s.serviceAccountToken) wanted.set(tokenKey(s.serviceAccountToken), { audience: s.serviceAccountToken.audience || undefined, expirationSeconds: s.serviceAccountToken.expirationSeconds ?? 3600 });
    }
  }
  return wanted;
}

export function boundPod(pod: KubeObject): BoundPod {
  return { name: pod.metadata.name!, uid: pod.metadata.uid!, namespace: pod.metadata.namespace ?? 'default', serviceAccountName: podSpec(pod).serviceAccountName || 'default' };
}

/**
 * When kubelet's token manager renews a token: once 80% of its life has passed (a token of an
 * hour issued at 12:00 is renewed from 12:48), or after a day for longer-lived ones.
 */
export function tokenRefreshAtMs(token: IssuedToken): number | undefined {
  if (!token.ok) return undefined;
  const life = token.expiresAtMs - token.issuedAtMs;
  return token.issuedAtMs + Math.min(life * 0.8, 24 * 3600_000);
}

/** Asks the API server (TokenRequest) for a token of the pod's ServiceAccount, bound to the pod. */
export async function requestPodToken(client: ApiClient, pod: BoundPod, wanted: TokenWanted, nowMs: number): Promise<IssuedToken> {
  const request: TokenRequest = {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { audiences: wanted.audience ? [wanted.audience] : [], expirationSeconds: wanted.expirationSeconds, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: pod.name, uid: pod.uid } },
  };
  try {
    const path = client.path(resourceType('serviceaccounts'), pod.namespace, pod.serviceAccountName, 'token');
    const issued = await client.request<TokenRequest>('POST', path, request);
    const token = issued.status?.token;
    if (!token) return { ok: false, message: `failed to fetch token: the TokenRequest for ${pod.namespace}/${pod.serviceAccountName} returned no token` };
    return { ok: true, token, issuedAtMs: nowMs, expiresAtMs: Date.parse(issued.status!.expirationTimestamp) };
  } catch (err) {
    return { ok: false, message: `failed to fetch token: ${(err as Error).message}` };
  }
}

/** Every token the pod's volumes want, by key. */
export async function requestPodTokens(client: ApiClient, pod: KubeObject, nowMs: number): Promise<Map<string, IssuedToken>> {
  const bound = boundPod(pod);
  const entries = await Promise.all([...tokensWanted(pod)].map(async ([key, wanted]) => [key, await requestPodToken(client, bound, wanted, nowMs)] as const));
  return new Map(entries);
}
