/**
 * The base URL for a registry written `host:port` (or with an explicit `http://`/`https://`).
 * Loopback registries speak plain HTTP by default, as Docker and skopeo allow for them; anything
 * else uses HTTPS unless `insecure` says otherwise.
 */
export function registryBaseUrl(registry: string, insecure?: boolean): string {
  const explicit = /^(https?):\/\/(.+?)\/*$/.exec(registry);
  if (explicit !== null) return `${explicit[1]}://${explicit[2]}`;
  const host = registry.replace(/\/+$/, '');
  const plainHttp = insecure ?? isLoopback(host);
  return `${plainHttp ? 'http' : 'https'}://${host}`;
}

function isLoopback(host: string): boolean {
  const hostname = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}
