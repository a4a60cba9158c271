import { BadRequestError, goQuote } from '@skiff/apimachinery';

/**
 * Query parameters read as kube-apiserver's parameter codec converts them into ListOptions,
 * DeleteOptions and PatchOptions (runtime.Convert_Slice_string_To_bool / _To_int64).
 */

/**
 * A boolean option: absent is false; `0` and `false` in any case are false; anything else, even
 * an empty value (`?watch`), is true. Never an error.
 */
export function boolParam(value: string | undefined): boolean {
  if (value === undefined) return false;
  return value !== '0' && value.toLowerCase() !== 'false';
}

/** Like `boolParam`, but absent stays undefined (Kubernetes' *bool options: orphanDependents, force). */
export function optionalBoolParam(value: string | undefined): boolean | undefined {
  return value === undefined ? undefined : boolParam(value);
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

/**
 * An int64 option as Go's strconv.ParseInt(value, 10, 64) reads it; absent is undefined, and
 * anything else that is not a base-10 integer is a 400 with strconv's own message, as Kubernetes
 * answers `?limit=abc`: `strconv.ParseInt: parsing "abc": invalid syntax`.
 */
export function int64Param(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[+-]?\d+$/.test(value)) throw new BadRequestError(`strconv.ParseInt: parsing ${goQuote(value)}: invalid syntax`);
  const n = BigInt(value);
  if (n > INT64_MAX || n < INT64_MIN) throw new BadRequestError(`strconv.ParseInt: parsing ${goQuote(value)}: value out of range`);
  return Number(n);
}
