import { randomInt } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Linux's default when /proc does not say (net.ipv4.ip_local_port_range). */
const DEFAULT_EPHEMERAL: [number, number] = [32768, 60999];
/** Below the ephemeral range, and below the NodePort range (30000-32767) the proxy listens on. */
const CHOSEN: [number, number] = [10000, 29999];

/**
 * The kernel's ephemeral range: where listen(0) picks, and where every outgoing connection takes
 * its source port.
 */
export function ephemeralPortRange(file = '/proc/sys/net/ipv4/ip_local_port_range'): [number, number] {
  try {
    const [low, high] = readFileSync(file, 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && low <= high) return [low, high];
  } catch {
    /* not Linux, or no /proc */
  }
  return DEFAULT_EPHEMERAL;
}

/** Whether a listener could bind `host:port` right now. */
export function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/**
 * A port for a process that will start listening on it a little later. A port from listen(0) is
 * in the ephemeral range, so in the seconds before the process binds it, any outgoing connection
 * on the machine may take it as its source port, and the bind fails with EADDRINUSE. A free port
 * below that range cannot be taken that way; only another listener could, and we pick at random.
 */
export async function pickListenPort(host = '127.0.0.1', range = ephemeralPortRange()): Promise<number> {
  const [low, high] = range;
  const first = CHOSEN[0];
  const last = Math.min(CHOSEN[1], low - 1);
  for (let attempt = 0; last >= first && attempt < 200; attempt++) {
    const port = first + randomInt(last - first + 1);
    if (await canListen(port, host)) return port;
  }
  throw new Error(`no free port in ${first}-${CHOSEN[1]} outside the ephemeral range ${low}-${high} on ${host}`);
}
