import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The runner's metrics, registered once per registry. */
export class RunnerMetrics {
  readonly reconciles: Counter<'controller' | 'result'>;
  readonly duration: Histogram<'controller'>;
  readonly depth: Gauge<'controller'>;

  constructor(readonly registry: Registry) {
    this.reconciles = new Counter({ name: 'skiff_reconcile_total', help: 'Reconciles by controller and result (success, error, terminal)', labelNames: ['controller', 'result'], registers: [registry] });
    this.duration = new Histogram({
      name: 'skiff_reconcile_duration_seconds',
      help: 'Reconcile latency by controller',
      labelNames: ['controller'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    });
    this.depth = new Gauge({ name: 'skiff_queue_depth', help: 'Jobs waiting or delayed per controller queue', labelNames: ['controller'], registers: [registry] });
  }
}
