import { checkImageReference } from './invalidImageReferenceError.js';
import { registryBaseUrl } from './registryBaseUrl.js';
import { RegistryClient, type RegistryCredentials } from './registryClient.js';

export interface ListTagsOptions {
  /** `host:port`, e.g. `127.0.0.1:5000`, or `docker.io`; an explicit `http://` or `https://` prefix is honoured. */
  registry: string;
  /** Repository name, e.g. `hello` or `library/nginx`. */
  repository: string;
  auth?: RegistryCredentials;
  /** Plain HTTP instead of HTTPS. Defaults to true for loopback registries, false otherwise. */
  insecure?: boolean;
  signal?: AbortSignal;
  /** Tags asked for per page (the registry may send fewer, and a Link to the next page). */
  pageSize?: number;
}

/** A guard against a registry whose Link headers loop. */
const MAX_PAGES = 1000;

/**
 * Every tag of a repository (`GET /v2/<name>/tags/list`), following the `Link: <...>; rel="next"`
 * pagination of the distribution spec, answering Basic or Bearer challenges with pull scope only.
 * A repository the registry does not know throws a RegistryError with status 404.
 */
export async function listTags(options: ListTagsOptions): Promise<string[]> {
  checkImageReference(options.repository, 'latest');
  const baseUrl = registryBaseUrl(options.registry, options.insecure);
  const client = new RegistryClient(baseUrl, options.repository, options.auth, options.signal, 'pull');
  const tags: string[] = [];
  let url: string | undefined = `${baseUrl}/v2/${options.repository}/tags/list?n=${options.pageSize ?? 1000}`;
  for (let page = 0; url !== undefined && page < MAX_PAGES; page++) {
    const response = await client.request('GET', url, { headers: { accept: 'application/json' }, expect: [200] });
    const body = JSON.parse(response.body.toString('utf8') || '{}') as { tags?: unknown };
    // distribution answers `"tags": null` for a repository whose tags were all deleted.
    if (Array.isArray(body.tags)) for (const tag of body.tags) if (typeof tag === 'string') tags.push(tag);
    url = nextPage(response.headers.get('link'), url);
  }
  return tags;
}

/** The `rel="next"` target of a Link header, resolved against the page it came with. */
export function nextPage(link: string | null, current: string): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(/,(?=\s*<)/)) {
    const m = /^\s*<([^>]*)>\s*;(.*)$/.exec(part);
    if (m && /(?:^|;)\s*rel\s*=\s*"?next"?\s*(?:;|$)/i.test(m[2])) return new URL(m[1], current).href;
  }
  return undefined;
}
