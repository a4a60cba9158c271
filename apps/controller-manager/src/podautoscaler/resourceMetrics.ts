import { milliValue, parseExactQuantity, parseGoDuration } from '@skiff/apimachinery';
import type { ApiClient } from '@skiff/kube-client';
import type { PodMetrics } from './replicaCalculator.js';

/** metrics.k8s.io/v1beta1 PodMetrics as the API serves them. */
interface PodMetricsItem {
  metadata: { name: string; namespace?: string };
  timestamp: string;
  window: string;
  containers: { name: string; usage: Record<string, string> }[];
}

/**
 * Each pod's usage of a resource from the resource metrics API (the HPA's metrics client,
 * GetResourceMetric): the sum over its containers, or one container's. A pod whose containers do
 * not all report the resource is left out (it counts as missing). Throws with Kubernetes' words
 * when the API has nothing for the selector.
 */
export async function resourceMetrics(client: ApiClient, namespace: string, selector: string, resource: string, container?: string): Promise<PodMetrics> {
  const path = `/apis/metrics.k8s.io/v1beta1/namespaces/${encodeURIComponent(namespace)}/pods?labelSelector=${encodeURIComponent(selector)}`;
  let list: { items: PodMetricsItem[] };
  try {
    list = await client.request<{ items: PodMetricsItem[] }>('GET', path);
  } catch (err) {
    throw new Error(`unable to get metrics for resource ${resource}: unable to fetch metrics from resource metrics API: ${(err as Error).message}`);
  }
  if (list.items.length === 0) throw new Error(`unable to get metrics for resource ${resource}: no metrics returned from resource metrics API`);
  const out: PodMetrics = new Map();
  for (const item of list.items) {
    const containers = container ? item.containers.filter((c) => c.name === container) : item.containers;
    if (container && containers.length === 0) throw new Error(`unable to get metrics for resource ${resource}: failed to get container metrics: container ${container} not present in metrics for pod ${item.metadata.namespace ?? namespace}/${item.metadata.name}`);
    let value = 0;
    let complete = true;
    for (const c of containers) {
      const q = c.usage[resource] === undefined ? undefined : parseExactQuantity(c.usage[resource]);
      if (!q) {
        complete = false;
        break;
      }
      value += Number(milliValue(q));
    }
    if (!complete) continue;
    out.set(item.metadata.name, { value, timestamp: Date.parse(item.timestamp), windowMs: parseGoDuration(item.window) ?? 0 });
  }
  return out;
}
