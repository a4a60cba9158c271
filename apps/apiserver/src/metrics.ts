import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The API server's Prometheus metrics, named as Kubernetes' API server names them. One registry
 * per server (not prom-client's global one), so several servers in one process stay apart.
 */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly requestDuration: Histogram<'verb' | 'resource' | 'code'>;
  readonly requests: Counter<'verb' | 'resource' | 'code'>;
  /** Requests API Priority and Fairness refused (429), by priority level and reason, as kube-apiserver counts them. */
  readonly flowControlRejected: Counter<'priority_level' | 'reason'>;
  private statusStreams = 0;

  constructor(watchers: () => number) {
    const registers = [this.registry];
    this.requestDuration = new Histogram({
      name: 'apiserver_request_duration_seconds',
      help: 'Response latency of API requests by verb, resource and HTTP code (long-running watches excluded).',
      labelNames: ['verb', 'resource', 'code'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.requests = new Counter({ name: 'apiserver_request_total', help: 'API requests by verb, resource and HTTP code.', labelNames: ['verb', 'resource', 'code'], registers });
    this.flowControlRejected = new Counter({
      name: 'apiserver_flowcontrol_rejected_requests_total',
      help: 'Requests refused by API Priority and Fairness, by priority level and reason (queue-full, time-out).',
      labelNames: ['priority_level', 'reason'],
      registers,
    });
    new Gauge({
      name: 'apiserver_registered_watchers',
      help: 'Watches the API server is serving now (each status page stream holds one per kind).',
      registers,
      collect() {
        this.set(watchers());
      },
    });
    const self = this;
    new Gauge({
      name: 'skiff_status_stream_clients',
      help: 'Open /status/stream connections.',
      registers,
      collect() {
        this.set(self.statusStreams);
      },
    });
  }

  /** A finished request; watches and streams are counted when they start, with no duration. */
  observe(verb: string, resource: string, code: number, seconds?: number): void {
    const labels = { verb, resource, code: String(code) };
    this.requests.inc(labels);
    if (seconds !== undefined) this.requestDuration.observe(labels, seconds);
  }

  streamOpened(): void {
    this.statusStreams++;
  }

  streamClosed(): void {
    this.statusStreams--;
  }
}
