/**
 * A set of strings kept in code-unit order, which for object keys (ASCII names joined by NUL, see
 * cacheKey) is the byte order Postgres' "C" collation lists in: a page read from the cache and
 * the next one read from the store continue at the same place.
 *
 * Kept as a list of sorted blocks of at most `maxBlock` keys, so an add or a delete moves at most
 * one block's worth of entries (plus the short list of blocks), not the whole set: one sorted
 * array of 14,000 pod keys made every binding shift thousands of entries twice.
 */
export class SortedKeys {
  /** Sorted, non-empty, and each block's keys all come before the next block's. */
  private readonly blocks: string[][] = [];
  private count = 0;

  constructor(private readonly maxBlock = 512) {
    if (maxBlock < 2) throw new Error('SortedKeys: maxBlock must be at least 2');
  }

  get size(): number {
    return this.count;
  }

  has(key: string): boolean {
    const b = this.blockFor(key);
    if (b === this.blocks.length) return false;
    const block = this.blocks[b];
    return block[lowerBound(block, key)] === key;
  }

  add(key: string): void {
    if (this.blocks.length === 0) {
      this.blocks.push([key]);
      this.count = 1;
      return;
    }
    // The block that holds it, or, past every block's last key, the last block.
    const b = Math.min(this.blockFor(key), this.blocks.length - 1);
    const block = this.blocks[b];
    const i = lowerBound(block, key);
    if (block[i] === key) return;
    block.splice(i, 0, key);
    this.count++;
    if (block.length > this.maxBlock) this.blocks.splice(b + 1, 0, block.splice(block.length >>> 1));
  }

  delete(key: string): void {
    const b = this.blockFor(key);
    if (b === this.blocks.length) return;
    const block = this.blocks[b];
    const i = lowerBound(block, key);
    if (block[i] !== key) return;
    block.splice(i, 1);
    this.count--;
    if (block.length === 0) this.blocks.splice(b, 1);
  }

  /** The keys after `after` (all when undefined), in order. */
  *after(after: string | undefined): Generator<string> {
    let b = 0;
    let i = 0;
    if (after !== undefined) {
      b = this.blockFor(after);
      if (b === this.blocks.length) return;
      i = lowerBound(this.blocks[b], after);
      if (this.blocks[b][i] === after) i++;
    }
    for (; b < this.blocks.length; b++, i = 0) {
      const block = this.blocks[b];
      for (; i < block.length; i++) yield block[i];
    }
  }

  /** The first block whose last key is not less than `key` (blocks.length when none is). */
  private blockFor(key: string): number {
    let lo = 0;
    let hi = this.blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const block = this.blocks[mid];
      if (block[block.length - 1] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** The first position in sorted `keys` whose key is not less than `key`. */
function lowerBound(keys: readonly string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid] < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
