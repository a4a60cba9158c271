import yaml from 'js-yaml';

export type Output = 'json' | 'yaml' | 'table';

/**
 * Chooses the response form from the Accept header, in the client's order of preference:
 * `application/json;as=Table;g=meta.k8s.io;v=v1` (what `kubectl get` asks for), YAML, or JSON.
 */
export function negotiate(accept: string | undefined, allowTable: boolean): Output {
  if (!accept) return 'json';
  for (const range of accept.split(',')) {
    const [type, ...params] = range.split(';').map((s) => s.trim().toLowerCase());
    const p = Object.fromEntries(params.map((kv) => kv.split('=').map((s) => s.trim()) as [string, string]));
    if (p.as === 'table') {
      if (allowTable && p.g === 'meta.k8s.io' && (p.v === 'v1' || p.v === 'v1beta1')) return 'table';
      continue;
    }
    if (p.as) continue;
    if (type === 'application/yaml' || type === 'application/x-yaml' || type === 'text/yaml') return 'yaml';
    if (type === 'application/json' || type === '*/*' || type === 'application/*') return 'json';
  }
  return 'json';
}

export function serialize(value: unknown, output: Output): { body: string; contentType: string } {
  if (output === 'yaml') return { body: yaml.dump(value, { noRefs: true, lineWidth: -1 }), contentType: 'application/yaml' };
  return { body: JSON.stringify(value), contentType: 'application/json' };
}
