import type { HorizontalPodAutoscaler, MetricSpec, MetricStatus, MetricTarget } from 'kubernetes-types/autoscaling/v2.js';
import { canonicalQuantity } from '../exactQuantity.js';
import { AGE, ageOf, column, NAME, nameOf, type Printer } from './columns.js';

/**
 * A HorizontalPodAutoscaler's REFERENCE, TARGETS, MINPODS, MAXPODS and REPLICAS cells as kubectl
 * 1.32 prints them (pkg/printers/internalversion printHorizontalPodAutoscaler): TARGETS is
 * `current/target` per metric, `<unknown>` until the controller has measured it, at most three
 * metrics then `+ N more...`.
 */
export function hpaCells(hpa: HorizontalPodAutoscaler): [string, string, string, number, number] {
  const spec = hpa.spec;
  const reference = `${spec?.scaleTargetRef?.kind ?? ''}/${spec?.scaleTargetRef?.name ?? ''}`;
  const minPods = spec?.minReplicas === undefined ? '<unset>' : String(spec.minReplicas);
  return [reference, formatHpaMetrics(spec?.metrics ?? [], hpa.status?.currentMetrics ?? []), minPods, spec?.maxReplicas ?? 0, hpa.status?.currentReplicas ?? 0];
}

const UNKNOWN = '<unknown>';
const MAX_SHOWN = 3;

function q(v: string | number | undefined): string {
  return v === undefined ? UNKNOWN : canonicalQuantity(v);
}

/** Resource and ContainerResource cells: `cpu: 12%/50%`, `memory: 10Mi/100Mi`. */
function resourceCell(name: string, target: MetricTarget, current: { averageUtilization?: number; averageValue?: string } | undefined): string {
  if (target.averageValue !== undefined) return `${name}: ${current?.averageValue !== undefined ? q(current.averageValue) : UNKNOWN}/${q(target.averageValue)}`;
  const now = current?.averageUtilization !== undefined ? `${current.averageUtilization}%` : UNKNOWN;
  const want = target.averageUtilization !== undefined ? `${target.averageUtilization}%` : '<auto>';
  return `${name}: ${now}/${want}`;
}

function metricCell(m: MetricSpec, s: MetricStatus | undefined): string {
  switch (m.type) {
    case 'Resource':
      return resourceCell(m.resource?.name ?? '', m.resource?.target ?? { type: '' }, s?.resource?.current);
    case 'ContainerResource':
      return resourceCell(m.containerResource?.name ?? '', m.containerResource?.target ?? { type: '' }, s?.containerResource?.current);
    case 'Pods': {
      const current = s?.pods?.current.averageValue;
      return `${current !== undefined ? q(current) : UNKNOWN}/${q(m.pods?.target.averageValue)}`;
    }
    case 'Object':
    case 'External': {
      const src = m.type === 'Object' ? m.object : m.external;
      const cur = m.type === 'Object' ? s?.object?.current : s?.external?.current;
      if (src?.target.averageValue !== undefined) return `${cur?.averageValue !== undefined ? q(cur.averageValue) : UNKNOWN}/${q(src.target.averageValue)} (avg)`;
      return `${cur?.value !== undefined ? q(cur.value) : UNKNOWN}/${q(src?.target.value)}`;
    }
    default:
      return `${UNKNOWN} (type: ${m.type})`;
  }
}

export function formatHpaMetrics(specs: MetricSpec[], statuses: MetricStatus[]): string {
  if (specs.length === 0) return '<none>';
  const cells = specs.slice(0, MAX_SHOWN).map((m, i) => metricCell(m, statuses[i]));
  const more = specs.length - MAX_SHOWN;
  return more > 0 ? `${cells.join(', ')} + ${more} more...` : cells.join(', ');
}

/** `kubectl get hpa`: NAME REFERENCE TARGETS MINPODS MAXPODS REPLICAS AGE. */
export const horizontalPodAutoscalerPrinter: Printer = {
  columns: [
    NAME,
    column('Reference', 'string', 'The target resource the autoscaler scales: its kind and name.'),
    column('Targets', 'string', 'The metrics the replica count is computed from, current value over target.'),
    column('MinPods', 'string', 'The lower limit for the number of replicas the autoscaler may scale down to.'),
    column('MaxPods', 'integer', 'The upper limit for the number of replicas the autoscaler may scale up to.'),
    column('Replicas', 'integer', 'The number of replicas of the target as last seen by the autoscaler.'),
    AGE,
  ],
  cells: (o, now) => ({ cells: [nameOf(o), ...hpaCells(o as HorizontalPodAutoscaler), ageOf(o, now)] }),
};
