/**
 * Just enough of Kubernetes' resource.Quantity to validate a PodSpec: is the text a quantity,
 * and what number is it (to compare requests with limits). Kept private to validation so it
 * does not compete with the library's own quantity module.
 */

export const QUANTITY_FORMAT_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
export const QUANTITY_SUFFIX_ERROR = "unable to parse quantity's suffix";

const SHAPE = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)$/;

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

export type ParsedQuantity = { ok: true; value: number } | { ok: false; message: string };

export function parseResourceQuantity(input: unknown): ParsedQuantity {
  if (typeof input === 'number') {
    return Number.isFinite(input) ? { ok: true, value: input } : { ok: false, message: QUANTITY_FORMAT_ERROR };
  }
  if (typeof input !== 'string') return { ok: false, message: QUANTITY_FORMAT_ERROR };
  const m = SHAPE.exec(input.trim() === input ? input : '');
  if (!m || !NUMBER.test(m[1])) return { ok: false, message: QUANTITY_FORMAT_ERROR };
  const base = Number(m[1]);
  const suffix = m[2];
  let multiplier: number | undefined = BINARY[suffix] ?? DECIMAL[suffix];
  if (multiplier === undefined) {
    const exp = /^[eE]([-+]?\d+)$/.exec(suffix);
    if (!exp) return { ok: false, message: QUANTITY_SUFFIX_ERROR };
    multiplier = 10 ** Number(exp[1]);
  }
  return { ok: true, value: base * multiplier };
}
