/**
 * A JSON document's shape with every key as written, duplicates included: what JSON.parse hides
 * and Kubernetes' strict decoder reports ("duplicate field").
 */
export type RawNode = { kind: 'object'; entries: { key: string; value: RawNode }[] } | { kind: 'array'; items: RawNode[] } | { kind: 'scalar' };

/** Parses text that JSON.parse has already accepted. */
export function parseRawJson(text: string): RawNode {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const string = (): string => {
    const start = i++;
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (): RawNode => {
    ws();
    if (text[i] === '{') {
      i++;
      const entries: { key: string; value: RawNode }[] = [];
      for (ws(); text[i] !== '}'; ws()) {
        if (text[i] === ',') i++, ws();
        const key = string();
        ws();
        i++; // ':'
        entries.push({ key, value: value() });
      }
      i++;
      return { kind: 'object', entries };
    }
    if (text[i] === '[') {
      i++;
      const items: RawNode[] = [];
      for (ws(); text[i] !== ']'; ws()) {
        if (text[i] === ',') i++;
        else items.push(value());
      }
      i++;
      return { kind: 'array', items };
    }
    if (text[i] === '"') string();
    else while (i < text.length && !/[\s,\]}]/.test(text[i])) i++;
    return { kind: 'scalar' };
  };
  return value();
}
