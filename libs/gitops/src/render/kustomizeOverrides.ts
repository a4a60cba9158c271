import yaml from 'js-yaml';
import type { KustomizeSource } from './sourceSpec.js';

export interface KustomizeImage {
  name: string;
  newName?: string;
  newTag?: string;
  digest?: string;
}

/**
 * One `spec.source.kustomize.images` entry, read as `kustomize edit set image` reads it:
 *   `nginx:1.27`                    -> {name: nginx, newTag: 1.27}
 *   `nginx=registry.local/nginx:2`  -> {name: nginx, newName: registry.local/nginx, newTag: 2}
 *   `nginx@sha256:abc`              -> {name: nginx, digest: sha256:abc}
 * A tag's colon is the last one after the last `/`, so `localhost:5000/app` has no tag.
 */
export function parseKustomizeImage(entry: string): KustomizeImage {
  const eq = entry.indexOf('=');
  const name = eq >= 0 ? entry.slice(0, eq) : undefined;
  let rest = eq >= 0 ? entry.slice(eq + 1) : entry;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const image: KustomizeImage = { name: name ?? rest };
  if (name !== undefined && rest !== name) image.newName = rest;
  if (tag) image.newTag = tag;
  if (digest) image.digest = digest;
  return image;
}

/**
 * The kustomization with the Application's overrides applied, as `kustomize edit set image`,
 * `set nameprefix`, `set namesuffix`, `set namespace`, `add label` and `add annotation` would
 * write them (Argo CD runs those commands): images replace an entry of the same name, labels and
 * annotations are merged over the file's own, the rest replace.
 */
export function applyKustomizeOverrides(kustomization: Record<string, unknown>, overrides: KustomizeSource): Record<string, unknown> {
  const out = structuredClone(kustomization);
  if (overrides.images?.length) {
    const images = Array.isArray(out.images) ? [...(out.images as KustomizeImage[])] : [];
    for (const entry of overrides.images) {
      const image = parseKustomizeImage(entry);
      const i = images.findIndex((x) => x && x.name === image.name);
      if (i >= 0) images[i] = image;
      else images.push(image);
    }
    out.images = images;
  }
  if (overrides.namePrefix) out.namePrefix = overrides.namePrefix;
  if (overrides.nameSuffix) out.nameSuffix = overrides.nameSuffix;
  if (overrides.namespace) out.namespace = overrides.namespace;
  if (overrides.commonLabels && Object.keys(overrides.commonLabels).length) out.commonLabels = { ...(asMap(out.commonLabels)), ...overrides.commonLabels };
  if (overrides.commonAnnotations && Object.keys(overrides.commonAnnotations).length) out.commonAnnotations = { ...(asMap(out.commonAnnotations)), ...overrides.commonAnnotations };
  return out;
}

export function hasKustomizeOverrides(k: KustomizeSource | undefined): boolean {
  return !!k && !!(k.images?.length || k.namePrefix || k.nameSuffix || k.namespace || Object.keys(k.commonLabels ?? {}).length || Object.keys(k.commonAnnotations ?? {}).length);
}

/** The fields of a kustomization that name other files or kustomizations. */
const REFERENCE_FIELDS = ['resources', 'bases', 'components'] as const;

export interface RemoteReference {
  field: string;
  index: number;
  value: string;
}

/**
 * Entries of `resources`, `bases` and `components` that live outside the repository: URLs
 * (`https://...`, `ssh://...`), scp-like git addresses (`git@host:org/repo`), and kustomize's
 * host-first shorthand (`github.com/org/repo/path?ref=v1`). A relative path whose first segment
 * looks like a host name (`github.com/...`) is remote only when no such folder exists locally,
 * which the caller checks with `existsLocally`.
 */
export function remoteReferences(kustomization: Record<string, unknown>, existsLocally: (rel: string) => boolean): RemoteReference[] {
  const found: RemoteReference[] = [];
  for (const field of REFERENCE_FIELDS) {
    const list = kustomization[field];
    if (!Array.isArray(list)) continue;
    list.forEach((value, index) => {
      if (typeof value === 'string' && isRemote(value, existsLocally)) found.push({ field, index, value });
    });
  }
  return found;
}

function isRemote(ref: string, existsLocally: (rel: string) => boolean): boolean {
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(ref)) return true;
  if (/^[\w.-]+@[\w.-]+:/.test(ref)) return true;
  if (ref.includes('?ref=') || ref.includes('?version=')) return true;
  const first = ref.split('/')[0];
  if (/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(first) && /\.(com|org|io|net|dev|cloud)$/i.test(first) && ref.includes('/')) return !existsLocally(ref);
  return false;
}

/** Local folders a kustomization refers to (to follow into bases and components). */
export function localReferences(kustomization: Record<string, unknown>, existsLocally: (rel: string) => boolean): string[] {
  const out: string[] = [];
  for (const field of REFERENCE_FIELDS) {
    const list = kustomization[field];
    if (!Array.isArray(list)) continue;
    for (const v of list) if (typeof v === 'string' && !isRemote(v, existsLocally)) out.push(v);
  }
  return out;
}

export function readKustomization(text: string): Record<string, unknown> | undefined {
  const v = yaml.load(text);
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

function asMap(v: unknown): Record<string, string> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, string>) : {};
}
