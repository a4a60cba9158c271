/** What a policy chose: the image name (no tag) and the tag. */
export interface PolicyImage {
  name: string;
  tag: string;
}

export interface SetterChange {
  /** 1-based line in the file. */
  line: number;
  oldValue: string;
  newValue: string;
  /** The marker's reference: `ns:policy`, `ns:policy:tag`, `ns:policy:name`. */
  setter: string;
}

export interface AppliedSetters {
  text: string;
  changes: SetterChange[];
  /** Markers naming a policy that is not among those given (another namespace, not selected, or no image yet). */
  unknownPolicies: string[];
}

/**
 * One YAML line with a scalar value and a setter comment:
 *   `  image: 127.0.0.1:5000/hello:1.0.0 # {"$imagepolicy": "apps:hello"}`
 *   `  - newTag: "1.0.0"  # {"$imagepolicy": "apps:hello:tag"}`
 *   `  - 127.0.0.1:5000/hello:1.0.0 # {"$imagepolicy": "apps:hello"}`
 * Groups: 1 everything before the value, 2 the value as written (quotes included), 3 the spaces and
 * `#` before the marker, 4 the marker's JSON.
 */
const SETTER_LINE = /^(\s*(?:-\s+)*(?:(?:"[^"]*"|'[^']*'|[^\s#"'][^#]*?)\s*:\s+)?)("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^\s#"'][^#]*?)(\s+#\s*)(\{.*\})\s*$/;

/**
 * Rewrites the fields marked with Flux's setter comment, `# {"$imagepolicy": "<ns>:<policy>"}`
 * (the whole image), `...:tag` (the tag only) or `...:name` (the name only), to the image each
 * policy chose. Only the value changes: indentation, quoting, comments and every other byte of
 * the file stay as they were, so the commit's diff is the image and nothing else. This covers a
 * Deployment's `image:`, a kustomization's `images:` entries (`newName`/`newTag`) and Helm values
 * (`repository:`/`tag:`) alike, as long as the line carries the marker.
 */
export function applySetters(text: string, policies: ReadonlyMap<string, PolicyImage>): AppliedSetters {
  const changes: SetterChange[] = [];
  const unknown = new Set<string>();
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const m = SETTER_LINE.exec(line);
    if (!m) return;
    const setter = markerOf(m[4]);
    if (setter === undefined) return;
    const parts = setter.split(':');
    if (parts.length < 2 || parts.length > 3) return;
    const [namespace, name, field] = parts;
    const chosen = policies.get(`${namespace}:${name}`);
    if (!chosen) {
      unknown.add(setter);
      return;
    }
    const wanted = field === 'tag' ? chosen.tag : field === 'name' ? chosen.name : field === undefined ? `${chosen.name}:${chosen.tag}` : undefined;
    if (wanted === undefined) return;
    const current = unquote(m[2]);
    if (current === wanted) return;
    lines[i] = `${m[1]}${requote(m[2], wanted)}${m[3]}${m[4]}${line.slice(m[0].trimEnd().length)}`;
    changes.push({ line: i + 1, oldValue: current, newValue: wanted, setter });
  });
  return { text: changes.length ? lines.join('\n') : text, changes, unknownPolicies: [...unknown].sort() };
}

/** The `$imagepolicy` reference of a marker comment, or undefined when the comment is something else. */
function markerOf(json: string): string | undefined {
  try {
    const marker = JSON.parse(json) as unknown;
    const ref = typeof marker === 'object' && marker !== null ? (marker as Record<string, unknown>)['$imagepolicy'] : undefined;
    return typeof ref === 'string' ? ref : undefined;
  } catch {
    return undefined;
  }
}

function unquote(value: string): string {
  if (value.startsWith('"')) return JSON.parse(value) as string;
  if (value.startsWith("'")) return value.slice(1, -1).replace(/''/g, "'");
  return value;
}

/**
 * The new value in the old one's style. A plain scalar stays plain when the new value reads back
 * as the same string (an image reference always does); otherwise it is double-quoted, so a tag
 * such as `1.10` is not read back as the number 1.1.
 */
function requote(old: string, value: string): string {
  if (old.startsWith("'")) return `'${value.replace(/'/g, "''")}'`;
  if (old.startsWith('"') || !/^[A-Za-z0-9_./@:-]+$/.test(value) || readsAsNonString(value)) return JSON.stringify(value);
  return value;
}

/** Plain scalars YAML (1.1, as Kubernetes' parser reads it, or 1.2) takes for a number, boolean or null. */
function readsAsNonString(value: string): boolean {
  return /^[-+]?(?:\.\d+|\d[\d_]*(?:\.\d*)?)(?:[eE][-+]?\d+)?$/.test(value) || /^0[xob]/i.test(value) || /^(?:true|false|null|yes|no|y|n|on|off|~|\.inf|\.nan)$/i.test(value);
}
