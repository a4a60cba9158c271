import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type AttemptResult = 'scheduled' | 'unschedulable' | 'error';

/** The scheduler's own figures, beside the runner's skiff_reconcile_* ones. */
export class SchedulerMetrics {
  readonly attempts: Counter<'result'>;
  readonly algorithmDuration: Histogram;
  readonly bindingDuration: Histogram;
  readonly eventsDropped: Counter;

  constructor(registry: Registry, unschedulablePods: () => number) {
    this.attempts = new Counter({
      name: 'skiff_scheduler_schedule_attempts_total',
      help: 'Scheduling attempts by result (scheduled, unschedulable, error)',
      labelNames: ['result'],
      registers: [registry],
    });
    this.algorithmDuration = new Histogram({
      name: 'skiff_scheduler_scheduling_algorithm_duration_seconds',
      help: 'Time to filter and score the nodes for one pod',
      buckets: [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025],
      registers: [registry],
    });
    this.bindingDuration = new Histogram({
      name: 'skiff_scheduler_binding_duration_seconds',
      help: 'Time to bind a pod through the API server',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers: [registry],
    });
    this.eventsDropped = new Counter({
      name: 'skiff_scheduler_events_dropped_total',
      help: 'Scheduled events dropped because the queue of events waiting to be sent was full',
      registers: [registry],
    });
    new Gauge({
      name: 'skiff_scheduler_unschedulable_pods',
      help: 'Pending pods that did not fit any node when last tried',
      registers: [registry],
      collect() {
        this.set(unschedulablePods());
      },
    });
  }
}
