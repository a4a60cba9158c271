import { cpuMillis, parseQuantity } from '@skiff/apimachinery';
import type { Resources } from './types.js';

/** What scoring assumes a container uses when it does not say (Kubernetes' DefaultMilliCPURequest / DefaultMemoryRequest). */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

interface ContainerLike {
  resources?: { requests?: Record<string, string | number> };
}

export interface PodSpecLike {
  containers?: ContainerLike[];
  initContainers?: ContainerLike[];
  overhead?: Record<string, string | number>;
}

export interface PodRequests {
  requests: Resources;
  nonZeroRequests: Resources;
}

function bytes(q: string | number | undefined): number {
  return q === undefined ? 0 : Math.ceil(parseQuantity(q));
}

/**
 * The resources a pod holds on its node. Init containers run one at a time before the app
 * containers, so each is a floor, not an addend: the pod needs max(any init container, sum of app
 * containers), plus the runtime's overhead.
 *
 * Worked example: init containers of 2 CPU / 1G and 2 CPU / 3G, app containers of 2 CPU / 1G and
 * 1 CPU / 1G: the app containers sum to 3 CPU / 2G; the floors raise memory to 3G; the pod requests
 * 3 CPU / 3G.
 *
 * `nonZeroRequests` is the same sum with unset cpu/memory counted as 100m/200Mi, so that scoring
 * does not pile request-less pods onto one node. Throws on a quantity that does not parse (the API
 * server validates them, so only a corrupt object gets here).
 */
export function podRequests(spec: PodSpecLike): PodRequests {
  const requests = { milliCpu: 0, memory: 0 };
  const nonZero = { milliCpu: 0, memory: 0 };
  for (const c of spec.containers ?? []) {
    const r = c.resources?.requests ?? {};
    requests.milliCpu += cpuMillis(r.cpu);
    requests.memory += bytes(r.memory);
    nonZero.milliCpu += r.cpu === undefined ? DEFAULT_MILLI_CPU_REQUEST : cpuMillis(r.cpu);
    nonZero.memory += r.memory === undefined ? DEFAULT_MEMORY_REQUEST : bytes(r.memory);
  }
  for (const c of spec.initContainers ?? []) {
    const r = c.resources?.requests ?? {};
    requests.milliCpu = Math.max(requests.milliCpu, cpuMillis(r.cpu));
    requests.memory = Math.max(requests.memory, bytes(r.memory));
    nonZero.milliCpu = Math.max(nonZero.milliCpu, r.cpu === undefined ? DEFAULT_MILLI_CPU_REQUEST : cpuMillis(r.cpu));
    nonZero.memory = Math.max(nonZero.memory, r.memory === undefined ? DEFAULT_MEMORY_REQUEST : bytes(r.memory));
  }
  if (spec.overhead) {
    const cpu = cpuMillis(spec.overhead.cpu);
    const mem = bytes(spec.overhead.memory);
    requests.milliCpu += cpu;
    requests.memory += mem;
    nonZero.milliCpu += cpu;
    nonZero.memory += mem;
  }
  return { requests, nonZeroRequests: nonZero };
}
