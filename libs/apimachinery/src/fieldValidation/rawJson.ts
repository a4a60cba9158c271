/**
 * A JSON document's shape with every key as written, duplicates included: what JSON.parse hides
 * and Kubernetes' strict decoder reports ("duplicate field").
 */
export type RawNode = { kind: 'object'; entries: { key: string; value: RawNode }[] } | { kind: 'array'; items: RawNode[] } | { kind: 'scalar' };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** JSON's whitespace: the only characters JSON.parse accepts between tokens. */
function isJsonSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * Parses text that JSON.parse has already accepted. Only keys are decoded (a key without escapes
 * is the text between its quotes); string values and other scalars are skipped over.
 */
export function parseRawJson(text: string): RawNode {
  let i = 0;
  const ws = () => {
    while (i < text.length && isJsonSpace(text.charCodeAt(i))) i++;
  };
  /** Moves past the string starting at i; answers whether it holds an escape. */
  const skipString = (): boolean => {
    let escaped = false;
    i++;
    for (let c = text.charCodeAt(i); c !== QUOTE; c = text.charCodeAt(i)) {
      if (c === BACKSLASH) {
        escaped = true;
        i += 2;
      } else i++;
    }
    i++;
    return escaped;
  };
  const key = (): string => {
    const start = i;
    return skipString() ? (JSON.parse(text.slice(start, i)) as string) : text.slice(start + 1, i - 1);
  };
  const value = (): RawNode => {
    ws();
    const c = text.charCodeAt(i);
    if (c === 0x7b /* { */) {
      i++;
      const entries: { key: string; value: RawNode }[] = [];
      for (ws(); text.charCodeAt(i) !== 0x7d /* } */; ws()) {
        if (text.charCodeAt(i) === 0x2c /* , */) i++, ws();
        const k = key();
        ws();
        i++; // ':'
        entries.push({ key: k, value: value() });
      }
      i++;
      return { kind: 'object', entries };
    }
    if (c === 0x5b /* [ */) {
      i++;
      const items: RawNode[] = [];
      for (ws(); text.charCodeAt(i) !== 0x5d /* ] */; ws()) {
        if (text.charCodeAt(i) === 0x2c /* , */) i++;
        else items.push(value());
      }
      i++;
      return { kind: 'array', items };
    }
    if (c === QUOTE) skipString();
    else while (i < text.length && !endsScalar(text.charCodeAt(i))) i++;
    return { kind: 'scalar' };
  };
  return value();
}

/** What ends a number, true, false or null: whitespace, `,`, `]` or `}`. */
function endsScalar(c: number): boolean {
  return isJsonSpace(c) || c === 0x2c || c === 0x5d || c === 0x7d;
}
