import { parseFieldPath } from './fieldPath.js';
import { parseYamlDocuments, pathKey } from './yamlDocuments.js';

/**
 * The 1-based line of `fieldPath` (`spec.template.spec.containers[0].image`) inside the document of
 * `text` that starts at `docStartLine`, for errors the API server reports by field. Best effort: when
 * the field is absent it returns the line of its nearest present ancestor, and `docStartLine` when
 * the text no longer parses.
 */
export function lineOfField(text: string, docStartLine: number, fieldPath: string): number {
  let documents;
  try {
    documents = parseYamlDocuments(text);
  } catch {
    return docStartLine;
  }
  const doc = documents.filter((d) => d.startLine <= docStartLine).at(-1);
  if (!doc) return docStartLine;
  const segments = parseFieldPath(fieldPath, doc.value);
  for (let n = segments.length; n >= 0; n--) {
    const line = doc.fieldLines.get(pathKey(segments.slice(0, n)));
    if (line !== undefined) return line;
  }
  return docStartLine;
}
