import { isIPv4 } from './planNftables.js';

/**
 * `add element` commands that copy the live ClientIP affinity entries of the table about to be
 * replaced into its successor, so a client stays with its endpoint across syncs. Without them a
 * change to any Service would reset every client's affinity, since `planNftables` replaces the
 * whole table. Appended to the plan's script they run in the same transaction.
 *
 * `listing` is `nft -j list sets table ip TABLE`; only sets the new plan declares again (same name:
 * same Service port and endpoint) are carried, each entry with what is left of its time, at most
 * the new set's timeout (the kernel refuses an `expires` beyond it). Anything unparseable carries
 * nothing.
 *
 *   set affinity-default/web/tcp/http__10.1.0.10/8080, timeout 60 s, holding 10.1.2.3 (49 s left)
 *   -> add element ip T affinity-default/web/tcp/http__10.1.0.10/8080 { 10.1.2.3 expires 49s }
 */
export function affinityCarryOver(listing: string, table: string, sets: ReadonlyMap<string, number>): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(listing);
  } catch {
    return '';
  }
  const items = (parsed as { nftables?: unknown }).nftables;
  if (!Array.isArray(items)) return '';
  const lines: string[] = [];
  for (const item of items as { set?: ListedSet }[]) {
    const set = item.set;
    if (!set || set.family !== 'ip' || set.table !== table) continue;
    const timeout = sets.get(set.name);
    if (timeout === undefined) continue;
    const entries: string[] = [];
    for (const e of set.elem ?? []) {
      if (typeof e !== 'object' || !e.elem) continue;
      const { val, expires } = e.elem;
      if (typeof val !== 'string' || !isIPv4(val) || typeof expires !== 'number' || !(expires >= 1)) continue;
      entries.push(`${val} expires ${Math.min(Math.floor(expires), timeout)}s`);
    }
    if (entries.length) lines.push(`add element ip ${table} ${set.name} { ${entries.join(', ')} }`);
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

interface ListedSet {
  family?: string;
  table?: string;
  name: string;
  elem?: (string | { elem?: { val?: unknown; expires?: unknown } })[];
}
