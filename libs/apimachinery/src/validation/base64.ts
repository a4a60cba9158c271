/**
 * Strict standard base64 as Go's encoding/base64 decodes Secret data: padded, standard alphabet,
 * line breaks ignored. Errors read like Go's: "illegal base64 data at input byte 4".
 */
const ALPHABET = /[A-Za-z0-9+/]/;

export function base64Error(value: string): string | undefined {
  // Positions are reported in the original text, as Go does (it skips \r and \n while decoding).
  const chars: { c: string; at: number }[] = [];
  for (let i = 0; i < value.length; i++) if (value[i] !== '\n' && value[i] !== '\r') chars.push({ c: value[i], at: i });
  for (let q = 0; q < chars.length; q += 4) {
    const quantum = chars.slice(q, q + 4);
    for (let j = 0; j < quantum.length; j++) {
      const { c, at } = quantum[j];
      if (c === '=') {
        // Padding is only legal as the last one or two characters of the final quantum.
        const last = q + 4 >= chars.length && quantum.length === 4;
        const ok = last && (j === 3 || (j === 2 && quantum[3].c === '='));
        if (!ok || j < 2) return `illegal base64 data at input byte ${at}`;
        break;
      }
      if (!ALPHABET.test(c)) return `illegal base64 data at input byte ${at}`;
    }
    if (quantum.length < 4) return `illegal base64 data at input byte ${quantum[0].at}`;
  }
  return undefined;
}

export function base64DecodedLength(value: string): number {
  const clean = value.replace(/[\r\n]/g, '');
  const padding = clean.endsWith('==') ? 2 : clean.endsWith('=') ? 1 : 0;
  return (clean.length / 4) * 3 - padding;
}
