import { NotFoundError, ConflictError, type KubeObject } from '@skiff/apimachinery';
import type { Store } from '@skiff/store';

/** kube-apiserver's `--event-ttl` default. */
export const DEFAULT_EVENT_TTL_MS = 60 * 60_000;

/**
 * When an Event was last written, by the server's clock (the newest managedFields time, else its
 * creation): Kubernetes keeps an Event for the TTL after its last write (its etcd lease is renewed on
 * each one), so a repeated, counted Event lives on while it repeats, whatever times its writer claims.
 */
export function lastWriteOf(event: KubeObject): number {
  const times = [event.metadata.creationTimestamp, ...(event.metadata.managedFields ?? []).map((f) => f.time)].map((t) => (t ? Date.parse(t) : NaN)).filter((t) => !Number.isNaN(t));
  return times.length ? Math.max(...times) : 0;
}

/**
 * Deletes Events older than the TTL, in pages, through the store (so watchers see them DELETED).
 * Returns how many it deleted.
 */
export async function expireEvents(store: Store, ttlMs: number, now = Date.now()): Promise<number> {
  let deleted = 0;
  let continueAfter: { namespace: string; name: string } | undefined;
  do {
    const page = await store.list({ group: '', resource: 'events', limit: 500, ...(continueAfter ? { continueAfter } : {}) });
    for (const e of page.items) {
      if (now - lastWriteOf(e) <= ttlMs) continue;
      try {
        // Only this version: an Event counted again meanwhile lives on.
        await store.delete({ group: '', resource: 'events', namespace: e.metadata.namespace ?? '', name: e.metadata.name! }, { resourceVersion: e.metadata.resourceVersion });
        deleted++;
      } catch (err) {
        if (!(err instanceof NotFoundError) && !(err instanceof ConflictError)) throw err;
      }
    }
    continueAfter = page.continueAfter;
  } while (continueAfter);
  return deleted;
}

/** Runs `expireEvents` every `intervalMs` (a tenth of the TTL, at most a minute) until stopped. */
export function startEventExpiry(store: Store, opts: { ttlMs: number; log: { info(o: object, m: string): void; warn(o: object, m: string): void } }): () => void {
  const intervalMs = Math.max(1000, Math.min(60_000, opts.ttlMs / 10));
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    expireEvents(store, opts.ttlMs)
      .then((n) => n && opts.log.info({ deleted: n, ttlSeconds: opts.ttlMs / 1000 }, 'expired events'))
      .catch((err: Error) => opts.log.warn({ err: err.message }, 'expiring events failed; will retry'))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
