/**
 * A set of strings kept in code-unit order, which for object keys (ASCII names joined by NUL, see
 * cacheKey) is the byte order Postgres' "C" collation lists in: a page read from the cache and
 * the next one read from the store continue at the same place.
 */
export class SortedKeys {
  private readonly keys: string[] = [];

  get size(): number {
    return this.keys.length;
  }

  add(key: string): void {
    const i = this.indexOf(key);
    if (this.keys[i] !== key) this.keys.splice(i, 0, key);
  }

  delete(key: string): void {
    const i = this.indexOf(key);
    if (this.keys[i] === key) this.keys.splice(i, 1);
  }

  /** The keys after `after` (all when undefined), in order. */
  *after(after: string | undefined): Generator<string> {
    let i = after === undefined ? 0 : this.indexOf(after);
    if (after !== undefined && this.keys[i] === after) i++;
    for (; i < this.keys.length; i++) yield this.keys[i];
  }

  /** The first position whose key is not less than `key`. */
  private indexOf(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
