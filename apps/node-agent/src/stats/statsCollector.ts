import type { Logger } from 'pino';
import type { ContainerUsage, ContainerRuntime, RuntimeRecord } from '../runtime/runtime.js';
import type { Clock } from '../time.js';
import { readNodeCpuNs, readNodeMemory } from './procUsage.js';
import { usageNanoCores } from './usageRate.js';

/** A running container the collector measures. */
export interface MeasuredContainer {
  pod: { namespace: string; name: string; uid: string };
  podStartTime?: string;
  name: string;
  /** The run's id (`containerd://...`, `process://...`): a restart is a new counter. */
  containerID: string;
  startedAt: string;
  record: RuntimeRecord;
}

/** kubelet stats/v1alpha1 CPUStats and MemoryStats, as the summary API serves them. */
export interface CpuStats {
  time: string;
  usageNanoCores?: number;
  usageCoreNanoSeconds: number;
}
export interface MemoryStats {
  time: string;
  workingSetBytes: number;
  usageBytes?: number;
  rssBytes?: number;
  availableBytes?: number;
}

export interface StatsSummary {
  node: { nodeName: string; startTime?: string; cpu?: CpuStats; memory?: MemoryStats };
  pods: {
    podRef: { name: string; namespace: string; uid: string };
    startTime?: string;
    containers: { name: string; startTime: string; cpu: CpuStats; memory: MemoryStats }[];
    cpu: CpuStats;
    memory: MemoryStats;
  }[];
}

interface Sample {
  at: number;
  /** ms since the sample before: the window every rate of this sample is measured over. */
  windowMs: number;
  node: { cpuNs?: number; nanoCores?: number; memory?: ReturnType<typeof readNodeMemory> };
  containers: { c: MeasuredContainer; usage: ContainerUsage; nanoCores?: number }[];
}

export interface StatsCollectorOptions {
  nodeName: string;
  runtime: Pick<ContainerRuntime, 'usage'>;
  containers(): MeasuredContainer[];
  /** How often usage is sampled; rates are over this window (cAdvisor's housekeeping: 10 s). */
  intervalMs: number;
  clock: Clock;
  log: Logger;
}

/**
 * Samples the usage of the node and of every running container on a timer, keeping the latest
 * sample and the cpu rate since the one before (the kubelet's cAdvisor housekeeping), and serves
 * them as the kubelet's summary API. A container seen for the first time has no rate yet.
 */
export class StatsCollector {
  private latest: Sample | undefined;
  private previousCpu = new Map<string, { cpuNs: number; at: number }>();
  private previousNodeCpu: { cpuNs: number; at: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sampling = false;

  constructor(private readonly opts: StatsCollectorOptions) {}

  start(): void {
    void this.sample();
    this.timer = setInterval(() => void this.sample(), this.opts.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Takes one sample now. */
  async sample(): Promise<void> {
    if (this.sampling) return;
    this.sampling = true;
    try {
      const containers = this.opts.containers();
      const usages = await this.opts.runtime.usage(containers.map((c) => c.record));
      const at = this.opts.clock().getTime();
      const nodeCpuNs = readNodeCpuNs();
      const cpu = new Map<string, { cpuNs: number; at: number }>();
      const measured: Sample['containers'] = [];
      containers.forEach((c, i) => {
        const usage = usages[i];
        if (!usage) return;
        const now = { cpuNs: usage.cpuNs, at };
        cpu.set(c.containerID, now);
        measured.push({ c, usage, nanoCores: usageNanoCores(this.previousCpu.get(c.containerID), now) });
      });
      const nodeNow = nodeCpuNs === undefined ? undefined : { cpuNs: nodeCpuNs, at };
      this.latest = {
        at,
        windowMs: this.latest ? at - this.latest.at : 0,
        node: { cpuNs: nodeCpuNs, nanoCores: nodeNow ? usageNanoCores(this.previousNodeCpu, nodeNow) : undefined, memory: readNodeMemory() },
        containers: measured,
      };
      this.previousCpu = cpu;
      this.previousNodeCpu = nodeNow;
    } catch (err) {
      this.opts.log.warn({ err: (err as Error).message }, 'sampling container usage failed');
    } finally {
      this.sampling = false;
    }
  }

  /** The summary of the latest sample and the window its rates cover. */
  summary(): { summary: StatsSummary; windowMs: number } {
    return { summary: buildSummary(this.opts.nodeName, this.latest), windowMs: this.latest?.windowMs ?? 0 };
  }
}

/** The summary API's shape for one sample: pods' usage is the sum of their containers'. */
export function buildSummary(nodeName: string, sample: Sample | undefined): StatsSummary {
  const summary: StatsSummary = { node: { nodeName }, pods: [] };
  if (!sample) return summary;
  const time = new Date(sample.at).toISOString().replace(/\.\d{3}Z$/, 'Z');
  if (sample.node.cpuNs !== undefined) summary.node.cpu = { time, usageCoreNanoSeconds: sample.node.cpuNs, ...(sample.node.nanoCores !== undefined ? { usageNanoCores: sample.node.nanoCores } : {}) };
  if (sample.node.memory) summary.node.memory = { time, ...sample.node.memory };
  const pods = new Map<string, StatsSummary['pods'][number]>();
  for (const { c, usage, nanoCores } of sample.containers) {
    let pod = pods.get(c.pod.uid);
    if (!pod) {
      pod = { podRef: { ...c.pod }, ...(c.podStartTime ? { startTime: c.podStartTime } : {}), containers: [], cpu: { time, usageCoreNanoSeconds: 0, usageNanoCores: 0 }, memory: { time, workingSetBytes: 0 } };
      pods.set(c.pod.uid, pod);
    }
    pod.containers.push({
      name: c.name,
      startTime: c.startedAt,
      cpu: { time, usageCoreNanoSeconds: usage.cpuNs, ...(nanoCores !== undefined ? { usageNanoCores: nanoCores } : {}) },
      memory: { time, workingSetBytes: usage.workingSetBytes, ...(usage.usageBytes !== undefined ? { usageBytes: usage.usageBytes } : {}), ...(usage.rssBytes !== undefined ? { rssBytes: usage.rssBytes } : {}) },
    });
    pod.cpu.usageCoreNanoSeconds += usage.cpuNs;
    // A pod's rate is known only when every container's is.
    if (nanoCores === undefined || pod.cpu.usageNanoCores === undefined) delete pod.cpu.usageNanoCores;
    else pod.cpu.usageNanoCores += nanoCores;
    pod.memory.workingSetBytes += usage.workingSetBytes;
  }
  summary.pods = [...pods.values()];
  return summary;
}
