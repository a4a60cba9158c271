/**
 * Image references as the kubelet and container runtimes read them (the distribution reference
 * grammar): `nginx` is `docker.io/library/nginx:latest`, `127.0.0.1:5000/hello:1` names its
 * registry, `name@sha256:<hex>` pins a digest.
 */
export interface ImageReference {
  /** Registry host (and port): `docker.io`, `127.0.0.1:5000`. */
  domain: string;
  /** `library/nginx`, `team/app`. */
  path: string;
  tag?: string;
  digest?: string;
  /** The fully qualified reference: domain/path[:tag][@digest], `:latest` added when neither is given. */
  normalized: string;
}

export type ParsedImageReference = ({ ok: true } & ImageReference) | { ok: false; message: string };

/** One `/`-separated component of a repository path. */
export const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?$/;
export const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/;
const DEFAULT_DOMAIN = 'docker.io';

/** Whether the first path component names a registry rather than a repository. */
function isDomain(first: string): boolean {
  return first.includes('.') || first.includes(':') || first === 'localhost' || first.toLowerCase() !== first;
}

export function parseImageReference(input: string): ParsedImageReference {
  const bad = (why: string): ParsedImageReference => ({ ok: false, message: `couldn't parse image name "${input}": ${why}` });
  if (!input || input.trim() !== input) return bad('invalid reference format');
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) return bad('invalid reference format');
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) return bad('invalid reference format');
  }
  const parts = rest.split('/');
  let domain = DEFAULT_DOMAIN;
  if (parts.length > 1 && isDomain(parts[0])) {
    domain = parts.shift()!;
    if (!DOMAIN.test(domain)) return bad('invalid reference format');
  }
  if (parts.some((p) => p.toLowerCase() !== p)) return bad('invalid reference format: repository name must be lowercase');
  if (!parts.every((p) => PATH_COMPONENT.test(p))) return bad('invalid reference format');
  if (domain === DEFAULT_DOMAIN && parts.length === 1) parts.unshift('library');
  const path = parts.join('/');
  if (domain.length + 1 + path.length > 255) return bad('repository name must not be more than 255 characters');
  const normalized = `${domain}/${path}${tag !== undefined ? `:${tag}` : digest ? '' : ':latest'}${digest ? `@${digest}` : ''}`;
  return { ok: true, domain, path, tag, digest, normalized };
}
