import { Counter, Histogram, type Registry } from 'prom-client';

export class NotifierMetrics {
  readonly deliveries: Counter<'result'>;
  readonly duration: Histogram;

  constructor(registry: Registry) {
    this.deliveries = new Counter({ name: 'skiff_webhook_deliveries_total', help: 'Webhook delivery attempts by result (success, failure)', labelNames: ['result'], registers: [registry] });
    this.duration = new Histogram({
      name: 'skiff_webhook_delivery_duration_seconds',
      help: 'Time from sending a webhook delivery to its answer (or failure)',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    });
  }
}
