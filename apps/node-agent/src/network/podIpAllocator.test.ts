import { describe, expect, it } from 'vitest';
import { isLoopbackCidr, parseCidr } from './podCidr.js';
import { PodIpAllocator, type IpamState } from './podIpAllocator.js';

describe('parseCidr', () => {
  it.each([
    ['127.16.0.0/16', true],
    ['127.16.5.0/24', true],
    ['127.0.0.0/8', true],
    ['10.0.0.0/8', false],
    ['126.0.0.0/7', false],
  ])('%s is loopback: %s', (cidr, loopback) => {
    expect(isLoopbackCidr(parseCidr(cidr))).toBe(loopback);
  });
  it.each(['127.0.0.0', '127.0.0.0/33', '300.1.1.1/8', 'x/8'])('rejects %s', (cidr) => {
    expect(() => parseCidr(cidr)).toThrow();
  });
  it('normalises the network address', () => {
    expect(parseCidr('127.16.3.9/16')).toEqual(parseCidr('127.16.0.0/16'));
  });
});

describe('PodIpAllocator', () => {
  it.each([
    // cidr, the first addresses handed out
    ['127.16.0.0/24', ['127.16.0.1', '127.16.0.2', '127.16.0.3']],
    // 127.0.0.1 is the node's own address; .0 is the network address
    ['127.0.0.0/24', ['127.0.0.2', '127.0.0.3', '127.0.0.4']],
    ['127.1.2.0/30', ['127.1.2.1', '127.1.2.2']],
  ])('hands out %s in order: %j', (cidr, expected) => {
    const a = new PodIpAllocator(cidr);
    expect(expected.map((_, i) => a.allocate(`uid-${i}`))).toEqual(expected);
  });

  it('gives a pod the same address again', () => {
    const a = new PodIpAllocator('127.16.0.0/24');
    expect(a.allocate('x')).toBe(a.allocate('x'));
  });

  it('reuses a released address only after the others (round robin)', () => {
    const a = new PodIpAllocator('127.16.0.0/29'); // usable .1 .. .6
    const ips = ['a', 'b', 'c'].map((u) => a.allocate(u));
    a.release('a');
    expect(a.allocate('d')).toBe('127.16.0.4');
    expect(a.allocate('e')).toBe('127.16.0.5');
    expect(a.allocate('f')).toBe('127.16.0.6');
    expect(a.allocate('g')).toBe(ips[0]); // wrapped around to the freed .1
  });

  it('never gives one address to two pods, and says when the range is full', () => {
    const a = new PodIpAllocator('127.16.0.0/30');
    const got = new Set([a.allocate('a'), a.allocate('b')]);
    expect(got.size).toBe(2);
    expect(() => a.allocate('c')).toThrow(/no free pod address/);
  });

  it('persists every change and starts again from the saved state', () => {
    const saved: IpamState[] = [];
    const a = new PodIpAllocator('127.16.0.0/24', undefined, (s) => saved.push(s));
    a.allocate('a');
    a.allocate('b');
    a.release('a');
    expect(saved).toHaveLength(3);
    const b = new PodIpAllocator('127.16.0.0/24', saved.at(-1));
    expect(b.addressOf('b')).toBe('127.16.0.2');
    expect(b.allocate('c')).toBe('127.16.0.3');
  });

  it('drops a duplicated address from a damaged state file', () => {
    const a = new PodIpAllocator('127.16.0.0/24', { cidr: '127.16.0.0/24', allocations: { a: '127.16.0.1', b: '127.16.0.1' } });
    expect(a.allocatedUids()).toEqual(['a']);
    expect(a.allocate('b')).not.toBe('127.16.0.1');
  });
});
