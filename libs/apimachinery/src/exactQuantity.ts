/**
 * Kubernetes' resource.Quantity where exactness and its printed form matter: admission compares
 * and sums requests and limits, and its messages print quantities the way Go's `q.String()` does
 * (canonical form: "1000m" prints as "1", "1024Mi" as "1Gi", "1000" as "1k"). Values are kept as
 * a whole number of nano-units, the finest scale Kubernetes reports, so sums are exact.
 */

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface ExactQuantity {
  /** The value times 10^9. */
  nanos: bigint;
  /** How the quantity was written, which decides how it prints. */
  format: QuantityFormat;
}

const NANO = 1_000_000_000n;

const DECIMAL_EXPONENT: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const BINARY_POWER: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const SHAPE = /^([+-]?)(\d+\.?\d*|\.\d+)(?:([eE][+-]?\d+)|(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?)$/;

/** Parses a quantity (string or JSON number); undefined when it is not one. Precision below 1n rounds up, as Kubernetes does. */
export function parseExactQuantity(input: unknown): ExactQuantity | undefined {
  const text = typeof input === 'number' ? (Number.isFinite(input) ? String(input) : '') : typeof input === 'string' ? input : '';
  const m = SHAPE.exec(text);
  if (!m) return undefined;
  const [, sign, digits, exponent, suffix = ''] = m;
  const [whole, fraction = ''] = digits.split('.');
  // mantissa * 10^scale is the value.
  let mantissa = BigInt((whole || '0') + fraction);
  let scale = -fraction.length;
  let format: QuantityFormat = 'DecimalSI';
  if (exponent) {
    scale += Number(exponent.slice(1));
    format = 'DecimalExponent';
  } else if (suffix in BINARY_POWER) {
    mantissa *= 1n << BigInt(BINARY_POWER[suffix]);
    format = 'BinarySI';
  } else {
    scale += DECIMAL_EXPONENT[suffix];
  }
  const shift = scale + 9;
  let nanos: bigint;
  if (shift >= 0) nanos = mantissa * 10n ** BigInt(shift);
  else {
    const div = 10n ** BigInt(-shift);
    nanos = mantissa / div + (mantissa % div === 0n ? 0n : 1n);
  }
  return { nanos: sign === '-' ? -nanos : nanos, format };
}

export function quantityOfInt(n: number | bigint): ExactQuantity {
  return { nanos: BigInt(n) * NANO, format: 'DecimalSI' };
}

export function zeroQuantity(): ExactQuantity {
  return { nanos: 0n, format: 'DecimalSI' };
}

/** a + b, printed like a unless a is zero (Go's Quantity.Add keeps the receiver's format). */
export function addQuantities(a: ExactQuantity, b: ExactQuantity): ExactQuantity {
  return { nanos: a.nanos + b.nanos, format: a.nanos === 0n ? b.format : a.format };
}

export function subtractQuantities(a: ExactQuantity, b: ExactQuantity): ExactQuantity {
  return { nanos: a.nanos - b.nanos, format: a.nanos === 0n ? b.format : a.format };
}

export function compareQuantities(a: ExactQuantity, b: ExactQuantity): number {
  return a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0;
}

/** The value in thousandths, rounded up (Go's MilliValue). */
export function milliValue(q: ExactQuantity): bigint {
  const div = 1_000_000n;
  const whole = q.nanos / div;
  return q.nanos % div > 0n ? whole + 1n : whole;
}

/**
 * The canonical text, as Go prints it. Worked examples: 1500m -> "1500m" (1.5 has no exact
 * larger SI unit), 2000m -> "2", 1000 -> "1k", 1536Mi -> "1536Mi", 2048Mi -> "2Gi", 0.5Gi ->
 * "512Mi", 100Ki at 1023 bytes or below -> decimal, 1e3 -> "1e3".
 */
export function formatQuantity(q: ExactQuantity): string {
  if (q.nanos === 0n) return '0';
  const negative = q.nanos < 0n;
  const abs = negative ? -q.nanos : q.nanos;
  const sign = negative ? '-' : '';
  if (q.format === 'BinarySI' && abs % NANO === 0n && abs >= 1024n * NANO) {
    let value = abs / NANO;
    let power = 0;
    while (power < 60 && value % 1024n === 0n) {
      value /= 1024n;
      power += 10;
    }
    const suffix = Object.entries(BINARY_POWER).find(([, p]) => p === power)?.[0] ?? '';
    return `${sign}${value}${suffix}`;
  }
  // Decimal: the largest exponent (a multiple of 3, from -9 up to 18) leaving a whole mantissa.
  let mantissa = abs;
  let exponent = -9;
  while (exponent < 18 && mantissa % 1000n === 0n) {
    mantissa /= 1000n;
    exponent += 3;
  }
  if (q.format === 'DecimalExponent') return `${sign}${mantissa}${exponent === 0 ? '' : `e${exponent}`}`;
  const suffix = Object.entries(DECIMAL_EXPONENT).find(([, e]) => e === exponent)![0];
  return `${sign}${mantissa}${suffix}`;
}

/** Normalises a quantity's text to its canonical form; anything unparsable is returned unchanged. */
export function canonicalQuantity(input: unknown): string {
  const q = parseExactQuantity(input);
  return q ? formatQuantity(q) : String(input);
}
