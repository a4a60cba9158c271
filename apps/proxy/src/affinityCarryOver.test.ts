import { describe, expect, it } from 'vitest';
import { affinityCarryOver } from './affinityCarryOver.js';

const SET = 'affinity-default/web/tcp/80__10.1.0.10/8080';

/** What `nft -j list sets table ip T` prints, cut down to the fields read. */
function listing(sets: { table?: string; family?: string; name: string; elem?: unknown[] }[]): string {
  return JSON.stringify({ nftables: [{ metainfo: { version: '1.0.6' } }, ...sets.map((s) => ({ set: { family: 'ip', table: 'skiff-t', type: 'ipv4_addr', ...s } }))] });
}

describe('affinityCarryOver', () => {
  it.each([
    {
      what: 'carries each live entry with the time it has left',
      listing: listing([{ name: SET, elem: [{ elem: { val: '10.2.0.1', expires: 49 } }, { elem: { val: '10.2.0.2', expires: 3 } }] }]),
      keep: new Map([[SET, 60]]),
      out: `add element ip skiff-t ${SET} { 10.2.0.1 expires 49s, 10.2.0.2 expires 3s }\n`,
    },
    {
      what: 'caps what is left at the new timeout (the kernel refuses more)',
      listing: listing([{ name: SET, elem: [{ elem: { val: '10.2.0.1', expires: 3000 } }] }]),
      keep: new Map([[SET, 60]]),
      out: `add element ip skiff-t ${SET} { 10.2.0.1 expires 60s }\n`,
    },
    {
      what: 'drops sets the new plan no longer has (the endpoint left), other tables and other families',
      listing: listing([
        { name: 'affinity-default/web/tcp/80__10.1.0.11/8080', elem: [{ elem: { val: '10.2.0.1', expires: 40 } }] },
        { name: SET, table: 'skiff-other', elem: [{ elem: { val: '10.2.0.1', expires: 40 } }] },
        { name: SET, family: 'ip6', elem: [{ elem: { val: '10.2.0.1', expires: 40 } }] },
      ]),
      keep: new Map([[SET, 60]]),
      out: '',
    },
    {
      what: 'skips entries about to expire, plain elements and anything not an IPv4 address',
      listing: listing([{ name: SET, elem: ['10.2.0.9', { elem: { val: '10.2.0.1', expires: 0 } }, { elem: { val: '10.2.0.2 } ; flush ruleset', expires: 9 } }, { elem: { val: '10.2.0.3', expires: 9 } }] }]),
      keep: new Map([[SET, 60]]),
      out: `add element ip skiff-t ${SET} { 10.2.0.3 expires 9s }\n`,
    },
    { what: 'carries nothing from output it cannot read', listing: 'Error: No such file or directory', keep: new Map([[SET, 60]]), out: '' },
    { what: 'carries nothing from JSON of another shape', listing: '{"nftables": {}}', keep: new Map([[SET, 60]]), out: '' },
  ])('$what', ({ listing, keep, out }) => {
    expect(affinityCarryOver(listing, 'skiff-t', keep)).toBe(out);
  });
});
