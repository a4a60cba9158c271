import type { Logger } from 'pino';
import { affinityCarryOver } from './affinityCarryOver.js';
import type { ProxyMetrics } from './metrics.js';
import type { NftablesPlan } from './planNftables.js';
import { runNft } from './runNft.js';

export interface NftablesProxierOptions {
  /** The table `planNftables` was given: the only one this proxier ever writes or deletes. */
  table: string;
  log: Logger;
  metrics?: ProxyMetrics;
  /** The nft binary (default `nft` on PATH). */
  nft?: string;
}

export type NftApplyResult = { ok: true; changed: boolean } | { ok: false; error: string };

/**
 * The executor for `planNftables`: hands each new script to `nft -f -` as one transaction and
 * remembers the last one that took, so a sync that changes nothing runs nothing. A failed apply
 * leaves the last good table in place, and is retried by the next apply of the same plan.
 */
export class NftablesProxier {
  private applied: string | undefined;

  constructor(private readonly opts: NftablesProxierOptions) {}

  async apply(plan: NftablesPlan): Promise<NftApplyResult> {
    if (plan.script === this.applied) return { ok: true, changed: false };
    const started = performance.now();
    const carry = plan.affinitySets.size > 0 ? await this.affinityCarryOver(plan) : '';
    let result = await this.nft(['-f', '-'], plan.script + carry);
    if (!result.ok && carry) {
      // An entry the kernel will not take (a set whose timeout shrank under it, say) must not
      // keep every Service's new rules out: apply the plan alone, losing only the affinity.
      this.opts.log.warn({ table: this.opts.table, stderr: result.error }, 'nft refused the carried-over affinity entries; applying without them');
      result = await this.nft(['-f', '-'], plan.script);
    }
    this.opts.metrics?.nftSyncDuration.observe((performance.now() - started) / 1000);
    if (!result.ok) {
      this.opts.metrics?.nftSyncFailures.inc();
      this.opts.log.error({ table: this.opts.table, stderr: result.error }, 'nft apply failed');
      return { ok: false, error: result.error };
    }
    this.applied = plan.script;
    this.opts.log.debug({ table: this.opts.table, servicePorts: plan.servicePorts, endpoints: plan.endpoints }, 'nftables table applied');
    return { ok: true, changed: true };
  }

  /** Deletes the table: ClusterIPs stop being served on this machine. */
  async close(): Promise<void> {
    this.applied = undefined;
    const result = await cleanupNftables(this.opts.table, { nft: this.opts.nft });
    if (!result.ok) this.opts.log.error({ table: this.opts.table, stderr: result.error }, 'nft delete table failed');
  }

  private async affinityCarryOver(plan: NftablesPlan): Promise<string> {
    const listed = await this.nft(['-j', 'list', 'sets', 'table', 'ip', this.opts.table]);
    // No table yet (first start) is the common case, not an error.
    return listed.ok ? affinityCarryOver(listed.stdout, this.opts.table, plan.affinitySets) : '';
  }

  private nft(args: string[], input?: string) {
    return runNft(args, input, { binary: this.opts.nft });
  }
}

/**
 * Deletes `table` (family ip) and nothing else, like `kube-proxy --cleanup`. A table that is not
 * there is already clean.
 */
export async function cleanupNftables(table: string, opts: { nft?: string } = {}): Promise<{ ok: true; existed: boolean } | { ok: false; error: string }> {
  const result = await runNft(['delete', 'table', 'ip', table], '', { binary: opts.nft });
  if (result.ok) return { ok: true, existed: true };
  if (result.notFound) return { ok: true, existed: false };
  return { ok: false, error: result.error };
}
