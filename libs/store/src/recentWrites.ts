import type { KubeObject } from '@skiff/apimachinery';

/**
 * The objects this process's last writes stored, by the resourceVersion each took (as the
 * store answered them: created, updated, or as deleted). Reading the change log back, the rows
 * of these versions need not carry their objects: a watch cache reads every change its own API
 * server wrote, and fetching, decoding and parsing each object again was a tenth of the API
 * server's CPU and of Postgres's while pods were being bound.
 *
 * Writes complete in commit order (the store's group commit runs one batch at a time), so the
 * versions arrive increasing; one that does not (a no-op update answers with the version the
 * object already had) is not kept. Bounded: the oldest go first.
 */
export class RecentWrites {
  /** Versions in the order written (increasing), from `head` on. */
  private versions: bigint[] = [];
  private head = 0;
  private readonly objects = new Map<string, KubeObject>();

  constructor(private readonly max = 4096) {}

  add(object: KubeObject): void {
    const rv = object.metadata.resourceVersion;
    if (!rv) return;
    const version = BigInt(rv);
    if (this.versions.length > this.head && version <= this.versions[this.versions.length - 1]) return;
    this.versions.push(version);
    this.objects.set(rv, object);
    if (this.versions.length - this.head > this.max) {
      this.objects.delete(String(this.versions[this.head++]));
      if (this.head >= this.max) {
        this.versions = this.versions.slice(this.head);
        this.head = 0;
      }
    }
  }

  /** Up to `limit` of the objects written after `after`, oldest first, by version. */
  after(after: bigint, limit = 1024): Map<string, KubeObject> {
    let lo = this.head;
    let hi = this.versions.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.versions[mid] <= after) lo = mid + 1;
      else hi = mid;
    }
    const found = new Map<string, KubeObject>();
    for (let i = lo; i < this.versions.length && found.size < limit; i++) {
      const rv = String(this.versions[i]);
      found.set(rv, this.objects.get(rv)!);
    }
    return found;
  }

  get size(): number {
    return this.versions.length - this.head;
  }
}
