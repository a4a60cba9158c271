import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseCidr } from '@skiff/apimachinery';

/** The port every pod's servers (TCP and UDP) listen on, inside its own network namespace. */
export const POD_PORT = 8080;

export interface Pod {
  name: string;
  netns: string;
  ip: string;
}

/** One connection's outcome, as `probe` reports it. */
export type Probe = { pod: string; peer: string; ms: number } | { error: string; ms: number };

/**
 * Pods as a container runtime lays them out, built with `ip` for one test file: a Linux bridge
 * with the gateway address 10.A.B.1/24, and one network namespace per pod on a veth pair into it
 * (10.A.B.10, .11, ...; default route via the gateway; the bridge port in hairpin mode, as the CNI
 * bridge plugin sets it), each running a TCP server that answers `{"pod": NAME, "peer": CLIENT}`,
 * and a UDP server on the same port that answers each datagram with the same.
 *
 * The host reaches the service range through the bridge from `nodeIp`, an address outside the pod
 * range (as a node's own address is), so traffic to it never leaves the machine. Pod traffic to
 * the service range that is still addressed to it after DNAT hits a blackhole route (policy
 * routing on the bridge only: in the main table a blackhole would fail the host's connect() to
 * every ClusterIP before the output hook could DNAT it).
 *
 * Every name carries a random id, every address range is checked unused, and each step that
 * changes the machine records its undo first, so `destroy()` removes exactly what was made, also
 * after a setup that failed half-way.
 */
export class PodNetwork {
  readonly id = randomBytes(3).toString('hex');
  readonly bridge = `skb${this.id}`;
  readonly pods: Pod[] = [];
  podCidr = '';
  serviceCidr = '';
  gateway = '';
  nodeIp = '';
  private readonly undo: { what: string; run: () => Promise<void> }[] = [];
  private readonly servers: ChildProcess[] = [];

  async create(podCount: number): Promise<void> {
    const [pod, service, node] = await freeRanges(3);
    this.podCidr = `${pod}.0/24`;
    this.serviceCidr = `${service}.0/24`;
    this.gateway = `${pod}.1`;
    this.nodeIp = `${node}.1`;

    // br_netfilter makes bridged IPv4 frames pass the ip hooks, so the reply of a pod that a
    // neighbour on the same bridge reached through a ClusterIP is un-DNATed (see the README). It is
    // switched on for this bridge only (nf_call_iptables), leaving the host-wide sysctl alone.
    if (!existsSync('/proc/sys/net/bridge/bridge-nf-call-iptables')) {
      throw new Error('br_netfilter is not loaded (no /proc/sys/net/bridge): modprobe br_netfilter, or run the proxy with masqueradeAll (see the README)');
    }
    await this.sysctl('net/ipv4/ip_forward', '1');

    await this.step(`bridge ${this.bridge}`, ['ip', 'link', 'add', this.bridge, 'type', 'bridge', 'nf_call_iptables', '1'], ['ip', 'link', 'del', this.bridge]);
    await ip('addr', 'add', `${this.gateway}/24`, 'dev', this.bridge);
    await ip('addr', 'add', `${this.nodeIp}/32`, 'dev', this.bridge);
    await ip('link', 'set', this.bridge, 'up');

    for (let i = 0; i < podCount; i++) {
      const p: Pod = { name: `pod-${i}`, netns: `skp${this.id}-${i}`, ip: `${pod}.${10 + i}` };
      const veth = `skv${this.id}${i}`;
      await this.step(`netns ${p.netns}`, ['ip', 'netns', 'add', p.netns], ['ip', 'netns', 'del', p.netns]);
      await this.step(`veth ${veth}`, ['ip', 'link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', p.netns], ['ip', 'link', 'del', veth]);
      await ip('link', 'set', veth, 'master', this.bridge);
      await ip('link', 'set', veth, 'type', 'bridge_slave', 'hairpin', 'on');
      await ip('link', 'set', veth, 'up');
      await ip('-n', p.netns, 'link', 'set', 'lo', 'up');
      await ip('-n', p.netns, 'addr', 'add', `${p.ip}/24`, 'dev', 'eth0');
      await ip('-n', p.netns, 'link', 'set', 'eth0', 'up');
      await ip('-n', p.netns, 'route', 'add', 'default', 'via', this.gateway);
      this.pods.push(p);
      await this.startServer(p);
    }

    await this.step(
      `route ${this.serviceCidr}`,
      ['ip', 'route', 'add', this.serviceCidr, 'dev', this.bridge, 'src', this.nodeIp],
      ['ip', 'route', 'del', this.serviceCidr, 'dev', this.bridge],
    );
    const table = String(await freeRouteTable());
    await this.step(`blackhole ${this.serviceCidr} in table ${table}`, ['ip', 'route', 'add', 'blackhole', this.serviceCidr, 'table', table], ['ip', 'route', 'del', 'blackhole', this.serviceCidr, 'table', table]);
    await this.step(`rule iif ${this.bridge}`, ['ip', 'rule', 'add', 'iif', this.bridge, 'to', this.serviceCidr, 'lookup', table], ['ip', 'rule', 'del', 'iif', this.bridge, 'to', this.serviceCidr, 'lookup', table]);
  }

  /** Records how to undo something another component creates (an nftables table). */
  onDestroy(what: string, run: () => Promise<unknown>): void {
    this.undo.push({ what, run: async () => void (await run()) });
  }

  /** Undoes every step, last first; each runs even if an earlier one failed. Throws what failed. */
  async destroy(): Promise<void> {
    const failed: string[] = [];
    while (this.undo.length) {
      const u = this.undo.pop()!;
      try {
        await u.run();
      } catch (err) {
        failed.push(`${u.what}: ${(err as Error).message}`);
      }
    }
    if (failed.length) throw new Error(`cleanup failed: ${failed.join('; ')}`);
  }

  /**
   * `count` connections one after another from inside `pod`'s network namespace (or the host); with
   * `udp`, one datagram each from a fresh socket (so each is a new flow), waiting for its answer.
   */
  probe(from: Pod | 'host', ip: string, port: number, count: number, timeoutMs = 3000, protocol: 'tcp' | 'udp' = 'tcp'): Promise<Probe[]> {
    const argv = [process.execPath, '-e', protocol === 'udp' ? UDP_PROBE_SCRIPT : PROBE_SCRIPT, ip, String(port), String(count), String(timeoutMs)];
    const cmd = from === 'host' ? argv : ['ip', 'netns', 'exec', from.netns, ...argv];
    return run(cmd, count * timeoutMs + 10_000).then((out) => JSON.parse(out) as Probe[]);
  }

  private async startServer(p: Pod): Promise<void> {
    const child = spawn('ip', ['netns', 'exec', p.netns, process.execPath, '-e', SERVER_SCRIPT, p.name, String(POD_PORT)], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.servers.push(child);
    this.onDestroy(`server in ${p.netns}`, () => stopChild(child));
    await new Promise<void>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`server in ${p.netns} did not start within 10 s: ${out}`)), 10_000);
      child.stdout!.setEncoding('utf8').on('data', (d: string) => {
        out += d;
        if (out.includes('listening')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server in ${p.netns} exited with ${code}: ${out}`));
      });
    });
  }

  private async step(what: string, cmd: string[], undoCmd: string[]): Promise<void> {
    await run(cmd);
    this.undo.push({ what, run: () => run(undoCmd).then(() => undefined) });
  }

  private async sysctl(key: string, value: string): Promise<void> {
    const path = `/proc/sys/${key}`;
    const old = readFileSync(path, 'utf8').trim();
    if (old === value) return;
    writeFileSync(path, value);
    this.undo.push({ what: `sysctl ${key}`, run: async () => writeFileSync(path, old) });
  }
}

/** Each connection: the server's JSON reply, or the error code (ETIMEDOUT past the deadline), with the time it took. */
const PROBE_SCRIPT = `
const net = require('node:net');
const [ip, port, count, timeoutMs] = process.argv.slice(1);
const one = () => new Promise((resolve) => {
  const started = performance.now();
  const s = net.connect({ host: ip, port: Number(port) });
  let body = '';
  let done = false;
  const finish = (r) => { if (done) return; done = true; clearTimeout(timer); s.destroy(); resolve({ ...r, ms: Math.round(performance.now() - started) }); };
  const timer = setTimeout(() => finish({ error: 'ETIMEDOUT' }), Number(timeoutMs));
  s.setEncoding('utf8');
  s.on('data', (d) => (body += d));
  s.on('end', () => { try { finish(JSON.parse(body)); } catch { finish({ error: 'bad reply ' + body }); } });
  s.on('error', (e) => finish({ error: e.code ?? e.message }));
});
(async () => { const out = []; for (let i = 0; i < Number(count); i++) out.push(await one()); process.stdout.write(JSON.stringify(out)); })();
`;

/** Each datagram: the server's JSON reply, or ETIMEDOUT when none came back in time. */
const UDP_PROBE_SCRIPT = `
const dgram = require('node:dgram');
const [ip, port, count, timeoutMs] = process.argv.slice(1);
const one = () => new Promise((resolve) => {
  const started = performance.now();
  const s = dgram.createSocket('udp4');
  let done = false;
  const finish = (r) => { if (done) return; done = true; clearTimeout(timer); s.close(); resolve({ ...r, ms: Math.round(performance.now() - started) }); };
  const timer = setTimeout(() => finish({ error: 'ETIMEDOUT' }), Number(timeoutMs));
  s.on('message', (m) => { try { finish(JSON.parse(m.toString())); } catch { finish({ error: 'bad reply ' + m }); } });
  s.on('error', (e) => finish({ error: e.code ?? e.message }));
  s.send('ping', Number(port), ip);
});
(async () => { const out = []; for (let i = 0; i < Number(count); i++) out.push(await one()); process.stdout.write(JSON.stringify(out)); })();
`;

const SERVER_SCRIPT = `
const [name, port] = process.argv.slice(1);
const udp = require('node:dgram').createSocket('udp4');
udp.on('message', (m, from) => udp.send(JSON.stringify({ pod: name, peer: from.address }), from.port, from.address));
udp.bind(Number(port), '0.0.0.0', () =>
  require('node:net')
    .createServer((s) => { s.on('error', () => {}); s.end(JSON.stringify({ pod: name, peer: s.remoteAddress })); })
    .listen(Number(port), '0.0.0.0', () => console.log('listening')));
`;

function ip(...args: string[]): Promise<string> {
  return run(['ip', ...args]);
}

/** Runs a command to its end (killed past `timeoutMs`); resolves to stdout, rejects with stderr. */
function run(cmd: string[], timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd[0], cmd.slice(1), { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd.slice(0, 8).join(' ')}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
}

/**
 * `n` distinct 10.<200-249>.<0-255> /24 prefixes ("10.A.B") that no route on this machine (any
 * table, so no address either) overlaps.
 */
async function freeRanges(n: number): Promise<string[]> {
  const routes = (JSON.parse(await run(['ip', '-j', '-4', 'route', 'show', 'table', 'all'])) as { dst: string }[])
    .map((r) => r.dst)
    .filter((d) => d !== 'default')
    .map((d) => parseCidr(d.includes('/') ? d : `${d}/32`));
  const picked: string[] = [];
  for (let attempt = 0; attempt < 100 && picked.length < n; attempt++) {
    const prefix = `10.${randomInt(200, 250)}.${randomInt(0, 256)}`;
    const mine = parseCidr(`${prefix}.0/24`);
    if (picked.includes(prefix) || routes.some((r) => r.base < mine.base + mine.size && mine.base < r.base + r.size)) continue;
    picked.push(prefix);
  }
  if (picked.length < n) throw new Error('no free 10.200-249.x.0/24 ranges on this machine');
  return picked;
}

/** A routing table number with no routes in it. */
async function freeRouteTable(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const table = randomInt(10_000, 60_000);
    // A table with no routes does not exist at all for the kernel.
    const routes = await run(['ip', 'route', 'show', 'table', String(table)]).catch((err: Error) => (/FIB table does not exist/.test(err.message) ? '' : Promise.reject(err)));
    if (routes.trim() === '') return table;
  }
  throw new Error('no free routing table');
}
