import { timingSafeEqual } from 'node:crypto';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { UnauthorizedError } from '@skiff/apimachinery';

export interface Principal {
  name: string;
  groups: string[];
  uid?: string;
  /** Extra attributes (kube's user.Info extra), set by impersonation headers. */
  extra?: Record<string, string[]>;
}

export const AUTHENTICATED_GROUP = 'system:authenticated';

export type Authenticator = (token: string) => Principal | undefined | Promise<Principal | undefined>;

/** A bearer-token authenticator over a fixed table of tokens (compared in constant time). */
export function staticTokens(tokens: Record<string, Principal>): Authenticator {
  const entries = Object.entries(tokens).map(([t, p]) => [Buffer.from(t), p] as const);
  return (token) => {
    const given = Buffer.from(token);
    for (const [t, p] of entries) {
      if (t.length === given.length && timingSafeEqual(t, given)) return p;
    }
    return undefined;
  };
}

export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * The user of a client certificate the cluster CA signed for client authentication (TLS verified
 * it against --client-ca-file, including its clientAuth usage): the subject's common name, its
 * organizations as groups, as kube-apiserver's x509 authenticator reads them.
 */
export function clientCertificateUser(socket: Socket | undefined): Principal | undefined {
  const tls = socket as TLSSocket | undefined;
  if (!tls?.encrypted || !tls.authorized) return undefined;
  const subject = tls.getPeerCertificate()?.subject as Record<string, string | string[] | undefined> | undefined;
  const name = typeof subject?.CN === 'string' ? subject.CN : undefined;
  if (!name) return undefined;
  const orgs = subject?.O;
  return { name, groups: Array.isArray(orgs) ? orgs : orgs ? [orgs] : [] };
}

/** Who sends the request: a verified client certificate, else a bearer token; 401 for neither. */
export async function authenticate(authenticator: Authenticator, header: string | undefined, socket?: Socket): Promise<Principal> {
  const token = bearerToken(header);
  const principal = clientCertificateUser(socket) ?? (token ? await authenticator(token) : undefined);
  if (!principal) throw new UnauthorizedError();
  // Every authenticated user is in system:authenticated, as Kubernetes' AuthenticatedGroupAdder makes it.
  return principal.groups.includes(AUTHENTICATED_GROUP) ? principal : { ...principal, groups: [...principal.groups, AUTHENTICATED_GROUP] };
}

/** Tries each authenticator in turn. */
export function anyOf(...authenticators: Authenticator[]): Authenticator {
  return async (token) => {
    for (const a of authenticators) {
      const p = await a(token);
      if (p) return p;
    }
    return undefined;
  };
}
