import { backendKey, type Backend } from './servicePortEndpoints.js';

interface Pin {
  backend: string;
  lastUsedMs: number;
}

/**
 * Picks backends for one Service port: round-robin, or the client's pinned backend under ClientIP
 * affinity. It hands out an ordered list of candidates rather than one backend so the connection
 * can fall through to the next when one refuses. Backends are replaced in place on every sync;
 * pins to backends that left are dropped then.
 */
export class ServicePortBalancer {
  private backends: Backend[] = [];
  private next = 0;
  private affinityMs: number | undefined;
  private readonly pins = new Map<string, Pin>();

  constructor(private readonly now: () => number = Date.now) {}

  get size(): number {
    return this.backends.length;
  }

  update(backends: Backend[], affinityTimeoutSeconds?: number): void {
    this.backends = backends;
    this.affinityMs = affinityTimeoutSeconds === undefined ? undefined : affinityTimeoutSeconds * 1000;
    if (this.affinityMs === undefined) {
      this.pins.clear();
      return;
    }
    // Every sync also sweeps pins that expired without their client coming back.
    const present = new Set(backends.map(backendKey));
    const now = this.now();
    for (const [client, pin] of this.pins) if (!present.has(pin.backend) || now - pin.lastUsedMs > this.affinityMs) this.pins.delete(client);
  }

  /**
   * The order to try backends in for a new connection from `clientIp`. With 3 backends and
   * round-robin position 1, that is [b1, b2, b0]; the next call starts at b2.
   */
  candidates(clientIp: string): Backend[] {
    const n = this.backends.length;
    if (n === 0) return [];
    const pinned = this.pinned(clientIp);
    const start = this.next % n;
    this.next = (start + 1) % n;
    const order = [...this.backends.slice(start), ...this.backends.slice(0, start)];
    if (!pinned) return order;
    return [pinned, ...order.filter((b) => b !== pinned)];
  }

  /** Records the backend a client's connection reached, which pins it under ClientIP affinity. */
  connected(clientIp: string, backend: Backend): void {
    if (this.affinityMs === undefined) return;
    this.pins.set(clientIp, { backend: backendKey(backend), lastUsedMs: this.now() });
  }

  private pinned(clientIp: string): Backend | undefined {
    if (this.affinityMs === undefined) return undefined;
    const pin = this.pins.get(clientIp);
    if (!pin) return undefined;
    // The timeout counts from the pin's last use, like the iptables `recent` match kube-proxy uses.
    if (this.now() - pin.lastUsedMs > this.affinityMs) {
      this.pins.delete(clientIp);
      return undefined;
    }
    return this.backends.find((b) => backendKey(b) === pin.backend);
  }
}
