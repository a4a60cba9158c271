import yaml from 'js-yaml';
import { MANIFEST_YAML_SCHEMA } from '../yaml/manifestYaml.js';

/**
 * The keys a YAML document sets twice in one mapping, as Kubernetes' YAML decoder lists them:
 * `line 5: key "name" already set in map`. js-yaml stops at the first duplicate, so each one found
 * is renamed in a copy of the text and the copy parsed again.
 */
export function yamlDuplicateKeys(text: string): string[] {
  const found: { line: number; key: string }[] = [];
  let doc = text;
  for (let n = 0; n < 1000; n++) {
    try {
      yaml.load(doc, { schema: MANIFEST_YAML_SCHEMA });
      break;
    } catch (err) {
      const mark = (err as { reason?: string; mark?: { line: number; position: number } }).mark;
      if ((err as { reason?: string }).reason !== 'duplicated mapping key' || !mark) break;
      const quote = doc[mark.position] === '"' || doc[mark.position] === "'" ? doc[mark.position] : undefined;
      const start = quote ? mark.position + 1 : mark.position;
      const plain = /^[^:\n]*?(?=\s*:)/.exec(doc.slice(start));
      const end = quote ? doc.indexOf(quote, start) : plain ? start + plain[0].length : -1;
      if (end < start) break;
      found.push({ line: mark.line + 1, key: doc.slice(start, end) });
      doc = `${doc.slice(0, start)}§dup${n}§${doc.slice(start)}`;
    }
  }
  return found.sort((a, b) => a.line - b.line).map((d) => `line ${d.line}: key ${JSON.stringify(d.key)} already set in map`);
}
