/**
 * The URL that completes a monolithic upload: the `Location` the registry returned for the upload
 * session (absolute or relative, usually already carrying a `_state` query) plus `digest=`.
 * Appended by hand rather than through URLSearchParams so the registry's own query is sent back
 * exactly as it was given.
 */
export function blobUploadUrl(location: string, baseUrl: string, digest: string): string {
  const url = new URL(location, baseUrl).href;
  return `${url}${url.includes('?') ? '&' : '?'}digest=${encodeURIComponent(digest)}`;
}
