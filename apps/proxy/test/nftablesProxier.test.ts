import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupNftables, NftablesProxier, planNftables, ProxyMetrics, runNft, startProxy } from '../src/index.js';
import { makeEndpointSlices, makeService } from '../src/testing/builders.js';

// Writes a real nftables table (root, as CI runs); its name is unique to this run and it is
// deleted in afterAll. No traffic is sent.
const table = `skiff-u${randomBytes(3).toString('hex')}`;
const log = pino({ level: process.env.SKIFF_TEST_LOG ?? 'silent' });

afterAll(async () => {
  const r = await cleanupNftables(table);
  if (!r.ok) throw new Error(r.error);
});

function planWith(endpoints: string[]) {
  return planNftables([makeService('web').clusterIP('10.254.0.5').port(80).build()], [...makeEndpointSlices('web', [{ addresses: endpoints, ports: [{ port: 8080 }] }])], { table });
}

async function listed(): Promise<string> {
  const r = await runNft(['list', 'table', 'ip', table]);
  return r.ok ? r.stdout : `(${r.error})`;
}

describe('NftablesProxier', () => {
  const metrics = new ProxyMetrics(new Registry(), () => [], () => 0);
  const proxier = new NftablesProxier({ table, log, metrics });

  it('applies a plan, skips the same plan, and replaces the table whole on a change', async () => {
    expect(await proxier.apply(planWith(['10.254.1.1', '10.254.1.2']))).toEqual({ ok: true, changed: true });
    expect(await listed()).toContain('dnat to 10.254.1.2:8080');
    expect(await proxier.apply(planWith(['10.254.1.1', '10.254.1.2']))).toEqual({ ok: true, changed: false });
    expect(await proxier.apply(planWith(['10.254.1.1']))).toEqual({ ok: true, changed: true });
    const now = await listed();
    expect(now).toContain('dnat to 10.254.1.1:8080');
    expect(now).not.toContain('10.254.1.2');
  });

  it('reports a script nft refuses with its stderr, keeps the last good table, and retries the same plan', async () => {
    const good = await listed();
    const bad = { ...planWith(['10.254.1.3']), script: planWith(['10.254.1.3']).script.replace('masquerade fully-random', 'masquerade sometimes') };
    const result = await proxier.apply(bad);
    expect(result).toMatchObject({ ok: false, error: expect.stringContaining('syntax error') });
    expect(await listed()).toBe(good);
    expect((await metrics.nftSyncFailures.get()).values[0].value).toBe(1);
    // Not remembered as applied: the same plan runs nft again.
    expect(await proxier.apply(bad)).toMatchObject({ ok: false });
  });

  it('deletes its table on close, and a second cleanup finds nothing to delete', async () => {
    await proxier.close();
    expect(await listed()).toMatch(/No such file or directory/);
    expect(await cleanupNftables(table)).toEqual({ ok: true, existed: false });
  });
});

describe('startProxy in nftables mode', () => {
  it('refuses a table name nft would not take before it connects anywhere', async () => {
    await expect(startProxy({ server: 'http://127.0.0.1:9', token: 't', mode: 'nftables', nftTable: 'two words', log })).rejects.toThrow(/invalid nftables table name/);
  });
});
