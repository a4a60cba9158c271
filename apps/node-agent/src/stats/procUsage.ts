import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Usage read from /proc and cgroup v1 files, for process pods (which have a memory cgroup per
 * container when the host allows, and no cpu cgroup) and for the node itself.
 */

/** USER_HZ: the unit of /proc cpu times. Linux reports 100 on every architecture Skiff runs on. */
const CLOCK_TICKS_PER_SECOND = 100;
const NS_PER_TICK = 1e9 / CLOCK_TICKS_PER_SECOND;
const PAGE_SIZE = 4096;

export interface ProcEntry {
  pid: number;
  ppid: number;
  /** utime + stime + cutime + cstime: its own cpu and that of children it has reaped (ns). */
  cpuNs: number;
  rssBytes: number;
}

function parseStat(pid: number, text: string): ProcEntry | undefined {
  // Fields after the command name (which may hold spaces and parentheses): rest[0] is field 3.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  if (rest.length < 22) return undefined;
  const ticks = Number(rest[11]) + Number(rest[12]) + Number(rest[13]) + Number(rest[14]);
  return { pid, ppid: Number(rest[1]), cpuNs: ticks * NS_PER_TICK, rssBytes: Number(rest[21]) * PAGE_SIZE };
}

/** Every process's cpu and rss, read once per sample. */
export function readProcessTable(procRoot = '/proc'): Map<number, ProcEntry> {
  const out = new Map<number, ProcEntry>();
  let names: string[];
  try {
    names = readdirSync(procRoot);
  } catch {
    return out;
  }
  for (const name of names) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const e = parseStat(Number(name), readFileSync(join(procRoot, name, 'stat'), 'utf8'));
      if (e) out.set(e.pid, e);
    } catch {
      // gone since the directory was listed
    }
  }
  return out;
}

/** `root` and every process below it in the table (a container without a cgroup). */
export function processTree(table: Map<number, ProcEntry>, root: number): number[] {
  const children = new Map<number, number[]>();
  for (const e of table.values()) {
    const list = children.get(e.ppid);
    if (list) list.push(e.pid);
    else children.set(e.ppid, [e.pid]);
  }
  const out: number[] = [];
  const stack = table.has(root) ? [root] : [];
  while (stack.length) {
    const pid = stack.pop()!;
    out.push(pid);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

export function sumProcesses(table: Map<number, ProcEntry>, pids: number[]): { cpuNs: number; rssBytes: number } {
  let cpuNs = 0;
  let rssBytes = 0;
  for (const pid of pids) {
    const e = table.get(pid);
    if (!e) continue;
    cpuNs += e.cpuNs;
    rssBytes += e.rssBytes;
  }
  return { cpuNs, rssBytes };
}

/**
 * A cgroup v1 memory cgroup's working set, as cAdvisor computes it: usage minus inactive file
 * pages (page cache the kernel can drop at once).
 */
export function cgroupWorkingSet(dir: string): { workingSetBytes: number; usageBytes: number; rssBytes?: number } | undefined {
  try {
    const usage = Number(readFileSync(join(dir, 'memory.usage_in_bytes'), 'utf8'));
    const stat = readFileSync(join(dir, 'memory.stat'), 'utf8');
    const field = (name: string) => {
      const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(stat);
      return m ? Number(m[1]) : undefined;
    };
    const inactiveFile = field('total_inactive_file') ?? 0;
    return { workingSetBytes: Math.max(0, usage - inactiveFile), usageBytes: usage, rssBytes: field('total_rss') };
  } catch {
    return undefined;
  }
}

/** The machine's busy cpu time: everything in /proc/stat's `cpu` line but idle and iowait (ns). */
export function readNodeCpuNs(procRoot = '/proc'): number | undefined {
  try {
    const line = readFileSync(join(procRoot, 'stat'), 'utf8').split('\n').find((l) => l.startsWith('cpu '));
    if (!line) return undefined;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already in user)
    const busy = f[0] + f[1] + f[2] + f[5] + f[6] + f[7];
    return busy * NS_PER_TICK;
  } catch {
    return undefined;
  }
}

/** The machine's memory in use: MemTotal - MemAvailable, what the kernel could not hand out now. */
export function readNodeMemory(procRoot = '/proc'): { workingSetBytes: number; availableBytes: number; usageBytes: number } | undefined {
  try {
    const text = readFileSync(join(procRoot, 'meminfo'), 'utf8');
    const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(text)?.[1] ?? NaN) * 1024;
    const total = kb('MemTotal');
    const available = kb('MemAvailable');
    const free = kb('MemFree');
    if (!Number.isFinite(total) || !Number.isFinite(available)) return undefined;
    return { workingSetBytes: total - available, availableBytes: available, usageBytes: total - free };
  } catch {
    return undefined;
  }
}
