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

export function serialize(value: unknown, output: Output, pretty = false): { body: string; contentType: string } {
  if (output === 'yaml') return { body: yaml.dump(value, { noRefs: true, lineWidth: -1 }), contentType: 'application/yaml' };
  return { body: encodeJson(value, pretty), contentType: 'application/json' };
}

/**
 * JSON as kube-apiserver's serializer writes it with Go's encoding/json: `<`, `>`, `&`, U+2028 and
 * U+2029 escaped; compact output ends with a newline (json.Encoder), indented output does not
 * (json.MarshalIndent with two spaces).
 */
export function encodeJson(value: unknown, pretty = false): string {
  const text = JSON.stringify(value, null, pretty ? 2 : undefined).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return pretty ? text : `${text}\n`;
}

/**
 * `?pretty=` as Go's strconv.ParseBool reads it (an unparsable value is false, never an error);
 * without it, curl, Wget and browsers get indented JSON, as from kube-apiserver.
 */
export function wantsPretty(pretty: string | undefined, userAgent: string | undefined): boolean {
  if (pretty) return ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(pretty);
  return !!userAgent && /^(curl|Wget|Mozilla\/5\.0)/.test(userAgent);
}
