import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type ConnectionResult = 'forwarded' | 'no_endpoints' | 'endpoints_failed';

/** The proxy's figures, labelled by Service (`namespace/name`) and Service port (name or number). */
export class ProxyMetrics {
  readonly connections: Counter<'service' | 'port' | 'result'>;
  readonly endpointFailures: Counter<'service' | 'port'>;
  readonly activeConnections: Gauge<'service' | 'port'>;
  readonly syncDuration: Histogram;
  readonly nftSyncDuration: Histogram;
  readonly nftSyncFailures: Counter;

  constructor(registry: Registry, endpointCounts: () => Iterable<{ service: string; port: string; count: number }>, listenerCount: () => number) {
    this.connections = new Counter({
      name: 'skiff_proxy_connections_total',
      help: 'Connections accepted, by Service port and result (forwarded, no_endpoints, endpoints_failed)',
      labelNames: ['service', 'port', 'result'],
      registers: [registry],
    });
    this.endpointFailures = new Counter({
      name: 'skiff_proxy_endpoint_connect_failures_total',
      help: 'Connects to an endpoint that failed (refused, unreachable, timed out); the connection tried the next endpoint',
      labelNames: ['service', 'port'],
      registers: [registry],
    });
    this.activeConnections = new Gauge({
      name: 'skiff_proxy_active_connections',
      help: 'Connections being forwarded now',
      labelNames: ['service', 'port'],
      registers: [registry],
    });
    this.syncDuration = new Histogram({
      name: 'skiff_proxy_sync_duration_seconds',
      help: 'Time from a Service, Endpoints or Pod change arriving to the listeners and backends (and in nftables mode the kernel table) reflecting it',
      buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    });
    this.nftSyncDuration = new Histogram({
      name: 'skiff_proxy_nft_sync_duration_seconds',
      help: 'Time to replace the nftables table (nft -f, with the affinity carry-over), nftables mode only',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
    this.nftSyncFailures = new Counter({
      name: 'skiff_proxy_nft_sync_failures_total',
      help: 'nft runs that failed to replace the table (the previous table stays; retried after 1 s)',
      registers: [registry],
    });
    new Gauge({
      name: 'skiff_proxy_endpoints',
      help: 'Ready endpoints in rotation per Service port',
      labelNames: ['service', 'port'],
      registers: [registry],
      collect() {
        this.reset();
        for (const e of endpointCounts()) this.set({ service: e.service, port: e.port }, e.count);
      },
    });
    new Gauge({
      name: 'skiff_proxy_listeners',
      help: 'Addresses the proxy listens on for Service ports',
      registers: [registry],
      collect() {
        this.set(listenerCount());
      },
    });
  }
}
