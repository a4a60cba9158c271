import type { TestCluster } from './cluster.js';

/** The runner's `skiff_reconcile_total` for one controller and result. */
export async function reconciles(cluster: TestCluster, controller: string, result: 'success' | 'error' | 'terminal' = 'success'): Promise<number> {
  const metric = cluster.cm?.registry.getSingleMetric('skiff_reconcile_total');
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.find((v) => v.labels.controller === controller && v.labels.result === result)?.value ?? 0;
}
