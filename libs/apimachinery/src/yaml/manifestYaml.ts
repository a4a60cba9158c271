import yaml from 'js-yaml';

/**
 * The one YAML schema manifests are read with, by the API server and the git watcher alike, so a
 * manifest means the same wherever it goes: YAML 1.2's core schema (null, booleans, numbers, with
 * `~` and `True` as go-yaml reads them) plus merge keys (`<<: *defaults`), which Kubernetes' decoder
 * supports. No timestamps: `2024-01-01` stays the string a Kubernetes string field holds.
 */
export const MANIFEST_YAML_SCHEMA = yaml.CORE_SCHEMA.extend({
  // The loader merges a mapping whose key resolves to this tag; `<<` is the only key that does.
  implicit: [new yaml.Type('tag:yaml.org,2002:merge', { kind: 'scalar', resolve: (data: unknown) => data === '<<' })],
});

/** Deepest nesting of objects and lists a body may have: real objects stay far below; recursion would not. */
export const MAX_NESTING_DEPTH = 1000;

/**
 * A document's aliases may expand it to at most this many nodes before the ratio test applies;
 * beyond it, expansion may be at most `MAX_ALIAS_EXPANSION_RATIO` times the nodes written out.
 * Example: 8 levels of 8 aliases are 72 nodes expanding to 16.7 million: refused. A Deployment that
 * reuses an env block in 4 containers expands to a few hundred: fine.
 */
export const ALIAS_EXPANSION_FLOOR = 10_000;
export const MAX_ALIAS_EXPANSION_RATIO = 10;
/** Beyond this, refused whatever the ratio. */
export const MAX_EXPANDED_NODES = 1_000_000;

export interface ValueShape {
  /**
   * Distinct nodes: objects, lists and their scalar entries, an object or list shared through
   * aliases counted once with its entries. Without aliases this equals `expanded`.
   */
  nodes: number;
  /** Nodes after expanding every alias: what a serializer or a validator would walk. */
  expanded: number;
  depth: number;
}

/**
 * Measures a decoded value without recursion (a deep body cannot overflow the stack here) and in
 * time linear in its distinct nodes, whatever its aliases would expand to.
 */
export function measureValue(value: unknown, stopBeyondDepth = Infinity): ValueShape {
  if (value === null || typeof value !== 'object') return { nodes: 1, expanded: 1, depth: 0 };
  const done = new WeakMap<object, { expanded: number; depth: number }>();
  const onPath = new Set<object>();
  let nodes = 0;
  const stack: { node: object; children: unknown[]; next: number }[] = [];
  const push = (node: object) => {
    const children = Array.isArray(node) ? node : Object.values(node);
    nodes++;
    for (const child of children) if (child === null || typeof child !== 'object') nodes++;
    onPath.add(node);
    stack.push({ node, children, next: 0 });
  };
  push(value);
  while (stack.length) {
    // Deeper than anyone asks about: the answer is known without walking the rest.
    if (stack.length - 1 > stopBeyondDepth) return { nodes, expanded: Infinity, depth: stack.length - 1 };
    const frame = stack[stack.length - 1];
    if (frame.next < frame.children.length) {
      const child = frame.children[frame.next++];
      if (child !== null && typeof child === 'object' && !done.has(child)) {
        // A node on the current path again would be a cycle: no decoder makes one; measure it as unbounded.
        if (onPath.has(child)) return { nodes, expanded: Infinity, depth: Infinity };
        push(child);
      }
      continue;
    }
    let expanded = 1;
    let depth = 0;
    for (const child of frame.children) {
      if (child !== null && typeof child === 'object') {
        const m = done.get(child)!;
        expanded += m.expanded;
        depth = Math.max(depth, m.depth + 1);
      } else {
        expanded += 1;
      }
    }
    done.set(frame.node, { expanded, depth });
    onPath.delete(frame.node);
    stack.pop();
  }
  const root = done.get(value)!;
  return { nodes, expanded: root.expanded, depth: root.depth };
}

/**
 * `measureValue` for a value in which no object or list is reached twice, as JSON.parse makes
 * them (no aliases, so no sharing and no cycles): the same figures, counted as the walk meets each
 * node without remembering any, several times faster. Past `stopBeyondDepth` it stops as
 * `measureValue` does (depth one beyond, expanded unbounded).
 */
export function measureTree(value: unknown, stopBeyondDepth = Infinity): ValueShape {
  if (value === null || typeof value !== 'object') return { nodes: 1, expanded: 1, depth: 0 };
  let expanded = 0;
  let depth = 0;
  const stack: { node: object; depth: number }[] = [{ node: value, depth: 0 }];
  while (stack.length) {
    const frame = stack.pop()!;
    if (frame.depth > stopBeyondDepth) return { nodes: expanded, expanded: Infinity, depth: frame.depth };
    expanded++;
    if (frame.depth > depth) depth = frame.depth;
    for (const child of Array.isArray(frame.node) ? frame.node : Object.values(frame.node)) {
      if (child !== null && typeof child === 'object') stack.push({ node: child as object, depth: frame.depth + 1 });
      else expanded++;
    }
  }
  // Nothing is shared: every node is distinct.
  return { nodes: expanded, expanded, depth };
}

/** Why a decoded value is refused before anything walks it, or undefined when it is fine. */
export function valueShapeProblem(value: unknown): string | undefined {
  return shapeProblem(measureValue(value, MAX_NESTING_DEPTH));
}

/** `valueShapeProblem` for what JSON.parse made (see `measureTree`). */
export function jsonValueShapeProblem(value: unknown): string | undefined {
  return shapeProblem(measureTree(value, MAX_NESTING_DEPTH));
}

function shapeProblem(shape: ValueShape): string | undefined {
  if (shape.depth > MAX_NESTING_DEPTH) return `the object is nested deeper than ${MAX_NESTING_DEPTH} levels`;
  if (shape.expanded > MAX_EXPANDED_NODES || (shape.expanded > ALIAS_EXPANSION_FLOOR && shape.expanded > MAX_ALIAS_EXPANSION_RATIO * shape.nodes)) {
    return `the document contains excessive aliasing: ${shape.nodes} nodes would expand to ${Number.isFinite(shape.expanded) ? shape.expanded : 'unboundedly many'}`;
  }
  return undefined;
}

/** One YAML document with the manifest schema; throws js-yaml's YAMLException, or an Error for a refused shape. */
export function loadManifestYaml(text: string, options: { json?: boolean } = {}): unknown {
  const value = yaml.load(text, { schema: MANIFEST_YAML_SCHEMA, json: options.json });
  const problem = valueShapeProblem(value);
  if (problem) throw new Error(problem);
  return value;
}
