import { describe, expect, it } from 'vitest';
import { ServicePortBalancer } from './servicePortBalancer.js';

const b = (n: number) => ({ ip: `127.16.0.${n}`, port: 8080 });
const first = (bal: ServicePortBalancer, client = '127.0.0.1') => bal.candidates(client)[0].ip;

describe('ServicePortBalancer', () => {
  it('hands out backends round-robin, each list holding all of them to fall through', () => {
    const bal = new ServicePortBalancer();
    bal.update([b(1), b(2), b(3)]);
    expect(bal.candidates('c').map((x) => x.ip)).toEqual(['127.16.0.1', '127.16.0.2', '127.16.0.3']);
    expect(bal.candidates('c').map((x) => x.ip)).toEqual(['127.16.0.2', '127.16.0.3', '127.16.0.1']);
    expect(first(bal)).toBe('127.16.0.3');
    expect(first(bal)).toBe('127.16.0.1');
  });

  it('keeps rotating over a changed list without restarting', () => {
    const bal = new ServicePortBalancer();
    bal.update([b(1), b(2), b(3)]);
    first(bal);
    bal.update([b(1), b(3)]);
    expect([first(bal), first(bal)].sort()).toEqual(['127.16.0.1', '127.16.0.3']);
  });

  it('returns nothing without backends', () => {
    const bal = new ServicePortBalancer();
    bal.update([]);
    expect(bal.candidates('c')).toEqual([]);
  });

  it('pins a client under ClientIP affinity until the pin goes unused for the timeout', () => {
    let now = 0;
    const bal = new ServicePortBalancer(() => now);
    bal.update([b(1), b(2), b(3)], 10);
    const pinned = bal.candidates('10.0.0.1')[0];
    bal.connected('10.0.0.1', pinned);
    for (let i = 0; i < 5; i++) {
      now += 9_000;
      const c = bal.candidates('10.0.0.1')[0];
      expect(c).toEqual(pinned);
      bal.connected('10.0.0.1', c);
    }
    now += 10_001;
    bal.candidates('10.0.0.1');
    expect([0, 1, 2].map(() => bal.candidates('10.0.0.1')[0].ip)).toContain(pinned.ip);
    expect(new Set([0, 1, 2].map(() => bal.candidates('10.0.0.1')[0].ip)).size).toBe(3);
  });

  it('drops a pin when its backend leaves, and puts the pinned backend first but keeps the rest to fall through', () => {
    const bal = new ServicePortBalancer();
    bal.update([b(1), b(2), b(3)], 100);
    bal.connected('c', b(2));
    expect(bal.candidates('c').map((x) => x.ip)).toEqual(['127.16.0.2', '127.16.0.1', '127.16.0.3']);
    bal.update([b(1), b(3)], 100);
    expect(bal.candidates('c').map((x) => x.ip)).not.toContain('127.16.0.2');
  });
});
