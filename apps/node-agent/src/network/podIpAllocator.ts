import { existsSync, readFileSync } from 'node:fs';
import { writeFileAtomic } from '../files.js';
import { cidrSize, intToIp, ipToInt, isAssignable, parseCidr, type Cidr } from './podCidr.js';

/** What the allocator persists: who holds which address, and where the round-robin cursor is. */
export interface IpamState {
  cidr: string;
  /** The address given out last; the next search starts after it, so a freed address is not reused at once. */
  last?: string;
  /** pod uid -> address */
  allocations: Record<string, string>;
}

/**
 * Hands out pod addresses from the node's pod CIDR, like host-local IPAM: one address per pod
 * uid, round-robin so that a just-released address (which a client may still be talking to) is
 * reused as late as possible, and never the same address to two pods. Every change is handed to
 * `persist` before the call returns, so an agent restart cannot forget an allocation.
 */
export class PodIpAllocator {
  private readonly cidr: Cidr;
  private readonly byUid = new Map<string, string>();
  private readonly taken = new Set<number>();
  private last: number | undefined;

  constructor(
    cidr: string,
    state?: IpamState,
    private readonly persist: (state: IpamState) => void = () => {},
  ) {
    this.cidr = parseCidr(cidr);
    for (const [uid, ip] of Object.entries(state?.allocations ?? {})) {
      const n = ipToInt(ip);
      if (this.taken.has(n)) continue; // a corrupt file must not make two pods share an address
      this.byUid.set(uid, ip);
      this.taken.add(n);
    }
    if (state?.last) this.last = ipToInt(state.last);
  }

  addressOf(uid: string): string | undefined {
    return this.byUid.get(uid);
  }

  allocatedUids(): string[] {
    return [...this.byUid.keys()];
  }

  /** The pod's address: the one it already holds, else the next free one. Throws when the range is full. */
  allocate(uid: string): string {
    const existing = this.byUid.get(uid);
    if (existing) return existing;
    const size = cidrSize(this.cidr);
    const start = this.last !== undefined && this.last >= this.cidr.network && this.last < this.cidr.network + size ? this.last - this.cidr.network + 1 : 0;
    for (let i = 0; i < size; i++) {
      const n = this.cidr.network + ((start + i) % size);
      if (this.taken.has(n) || !isAssignable(this.cidr, n)) continue;
      const ip = intToIp(n);
      this.taken.add(n);
      this.byUid.set(uid, ip);
      this.last = n;
      this.save();
      return ip;
    }
    throw new Error(`no free pod address left in ${intToIp(this.cidr.network)}/${this.cidr.prefix}`);
  }

  release(uid: string): void {
    const ip = this.byUid.get(uid);
    if (!ip) return;
    this.byUid.delete(uid);
    this.taken.delete(ipToInt(ip));
    this.save();
  }

  state(): IpamState {
    return {
      cidr: `${intToIp(this.cidr.network)}/${this.cidr.prefix}`,
      ...(this.last !== undefined ? { last: intToIp(this.last) } : {}),
      allocations: Object.fromEntries(this.byUid),
    };
  }

  private save(): void {
    this.persist(this.state());
  }
}

/** An allocator whose state lives in `file` (JSON), surviving agent restarts. */
export function fileBackedAllocator(cidr: string, file: string): PodIpAllocator {
  const state = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as IpamState) : undefined;
  return new PodIpAllocator(cidr, state, (s) => writeFileAtomic(file, JSON.stringify(s, null, 2)));
}
