import { parseExactQuantity, milliValue, type KubeObject } from '@skiff/apimachinery';
import { podSpec } from '../pods/podSpec.js';
import type { StatsSummary } from '../stats/statsCollector.js';

/**
 * Usage on a simulated node, as kwok simulates it: nothing runs, so each pod reports what its
 * annotations say it uses. The usage belongs to the pod's first container; the others use
 * nothing. A pod without the cpu annotation uses nothing at all.
 */
export const SIMULATED_CPU_ANNOTATION = 'skiff.dev/simulated-cpu-usage';
export const SIMULATED_MEMORY_ANNOTATION = 'skiff.dev/simulated-memory-usage';

function quantity(value: string | undefined, scale: 'nano' | 'unit'): number {
  const q = value === undefined ? undefined : parseExactQuantity(value);
  if (!q) return 0;
  const milli = Number(milliValue(q));
  return scale === 'nano' ? milli * 1e6 : Math.round(milli / 1000);
}

/** The summary API's view of the simulated pods bound to `nodeName` that are Running. */
export function simulatedUsageSummary(nodeName: string, pods: KubeObject[], now: Date): StatsSummary {
  const time = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const summary: StatsSummary = { node: { nodeName, cpu: { time, usageNanoCores: 0, usageCoreNanoSeconds: 0 }, memory: { time, workingSetBytes: 0 } }, pods: [] };
  for (const pod of pods) {
    const status = (pod.status ?? {}) as { phase?: string; startTime?: string };
    if (podSpec(pod).nodeName !== nodeName || status.phase !== 'Running' || pod.metadata.deletionTimestamp) continue;
    const nanoCores = quantity(pod.metadata.annotations?.[SIMULATED_CPU_ANNOTATION], 'nano');
    const bytes = quantity(pod.metadata.annotations?.[SIMULATED_MEMORY_ANNOTATION], 'unit');
    const containers = podSpec(pod).containers.map((c, i) => ({
      name: c.name,
      startTime: status.startTime ?? time,
      cpu: { time, usageNanoCores: i === 0 ? nanoCores : 0, usageCoreNanoSeconds: 0 },
      memory: { time, workingSetBytes: i === 0 ? bytes : 0 },
    }));
    summary.pods.push({
      podRef: { name: pod.metadata.name!, namespace: pod.metadata.namespace!, uid: pod.metadata.uid! },
      ...(status.startTime ? { startTime: status.startTime } : {}),
      containers,
      cpu: { time, usageNanoCores: nanoCores, usageCoreNanoSeconds: 0 },
      memory: { time, workingSetBytes: bytes },
    });
    summary.node.cpu!.usageNanoCores! += nanoCores;
    summary.node.memory!.workingSetBytes += bytes;
  }
  return summary;
}
