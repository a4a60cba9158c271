import type { Registry } from 'prom-client';

/** Sum of a metric's values whose labels include `labels`. */
export async function metricValue(registry: Registry | undefined, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = registry?.getSingleMetric(name);
  if (!m) return 0;
  const { values } = await m.get();
  return values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((s, v) => s + v.value, 0);
}
