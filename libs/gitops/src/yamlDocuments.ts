import yaml from 'js-yaml';
import { MANIFEST_YAML_SCHEMA, valueShapeProblem } from '@skiff/apimachinery';

export type PathSegment = string | number;

/** A parsed YAML document plus the 1-based line where each field path starts. */
export interface YamlDocument {
  startLine: number;
  value: unknown;
  /** Keyed by `pathKey(segments)`; a mapping entry maps to its key's line, a sequence item to its `-` line. */
  fieldLines: Map<string, number>;
}

export function pathKey(segments: readonly PathSegment[]): string {
  return JSON.stringify(segments);
}

interface Node {
  line: number;
  kind?: string;
  result?: unknown;
  children: Node[];
}

/**
 * Parses every document of `text` with js-yaml, recording node lines through its `listener` hook.
 * js-yaml reports each node as open/close events, and a mapping's children arrive as alternating
 * key and value nodes, a sequence's as items; the parent's kind is only known at its close, so the
 * node tree is built first and read when the document's root closes. Throws js-yaml's YAMLException,
 * also for a document nested too deep or whose aliases would expand it far beyond its size.
 */
export function parseYamlDocuments(text: string, options: { json?: boolean } = {}): YamlDocument[] {
  const documents: YamlDocument[] = [];
  const stack: Node[] = [];
  const values: unknown[] = [];
  yaml.loadAll(text, (doc) => values.push(doc), {
    schema: MANIFEST_YAML_SCHEMA,
    json: options.json,
    listener(event, state) {
      if (event === 'open') {
        stack.push({ line: state.line + 1, children: [] });
        return;
      }
      const node = stack.pop()!;
      node.kind = state.kind ?? undefined;
      node.result = state.result;
      const parent = stack.at(-1);
      if (parent) parent.children.push(node);
      else documents.push({ startLine: node.line, value: undefined, fieldLines: indexLines(node) });
    },
  });
  documents.forEach((doc, i) => {
    const problem = valueShapeProblem(values[i]);
    if (problem) throw new yaml.YAMLException(problem, { name: '', buffer: '', position: 0, line: doc.startLine - 1, column: 0, snippet: '' });
    doc.value = values[i];
  });
  return documents;
}

function indexLines(root: Node): Map<string, number> {
  const lines = new Map<string, number>();
  const visit = (node: Node, path: PathSegment[], line: number): void => {
    lines.set(pathKey(path), line);
    // A flow collection at the top of a document arrives wrapped in a second node with the same value.
    while (node.children.length === 1 && node.children[0].result === node.result && node.children[0].kind === node.kind) node = node.children[0];
    if (node.kind === 'mapping') {
      for (let i = 0; i + 1 < node.children.length; i += 2) {
        const key = node.children[i];
        visit(node.children[i + 1], [...path, String(key.result)], key.line);
      }
    } else if (node.kind === 'sequence') {
      node.children.forEach((item, i) => visit(item, [...path, i], item.line));
    }
  };
  visit(root, [], root.line);
  return lines;
}
