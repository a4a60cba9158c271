/** One challenge from a `WWW-Authenticate` header: `Bearer realm="...",service="...",scope="..."`. */
export interface AuthChallenge {
  /** Lower-cased: `basic`, `bearer`. */
  scheme: string;
  /** Parameter names lower-cased; quoted values unescaped. */
  params: Record<string, string>;
}

const SCHEME = /^\s*([A-Za-z][\w!#$%&'*+.^`|~-]*)(?:\s+|$)/;
const PARAM = /\s*([\w!#$%&'*+.^`|~-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*(?:,|$)/y;

/**
 * Parses the first challenge of a `WWW-Authenticate` header (RFC 7235). Registries send one; when a
 * server lists several, the parameters of the first end at the next scheme name. Returns
 * undefined for an empty or malformed header.
 */
export function parseAuthChallenge(header: string | null | undefined): AuthChallenge | undefined {
  if (!header) return undefined;
  const scheme = SCHEME.exec(header);
  if (scheme === null) return undefined;
  const params: Record<string, string> = {};
  PARAM.lastIndex = scheme[0].length;
  for (let match = PARAM.exec(header); match !== null; match = PARAM.exec(header)) {
    params[match[1].toLowerCase()] = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3];
    if (PARAM.lastIndex >= header.length) break;
  }
  return { scheme: scheme[1].toLowerCase(), params };
}
