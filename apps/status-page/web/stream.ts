import type { StatusChange, StatusObject } from './clusterState.js';

export interface StreamHandlers {
  snapshot(items: StatusObject[]): void;
  change(change: StatusChange): void;
  connection(state: 'connecting' | 'live' | 'offline', detail?: string): void;
}

/**
 * Follows `/status/stream`. EventSource reconnects by itself after a dropped connection; after
 * an HTTP error (401, 503) it gives up, so then we open a new one with backoff. Every
 * (re)connection starts with a full snapshot, so nothing missed while offline stays missing.
 */
export function followStatusStream(url: string, on: StreamHandlers): () => void {
  let source: EventSource | undefined;
  let retryMs = 1000;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const open = () => {
    on.connection('connecting');
    const es = new EventSource(url);
    source = es;
    es.addEventListener('snapshot', (e) => {
      retryMs = 1000;
      // Marks on the performance timeline (bench/statusPageProbe.ts prints them): one set per connection.
      performance.mark('snapshot-received');
      const items = (JSON.parse((e as MessageEvent<string>).data) as { items: StatusObject[] }).items;
      performance.mark('snapshot-parsed');
      on.snapshot(items);
      performance.mark('snapshot-applied');
      on.connection('live');
    });
    es.addEventListener('change', (e) => on.change(JSON.parse((e as MessageEvent<string>).data) as StatusChange));
    es.onerror = () => {
      if (es.readyState === EventSource.CLOSED) {
        on.connection('offline', `reconnecting in ${Math.round(retryMs / 1000)} s`);
        es.close();
        if (!stopped) timer = setTimeout(open, retryMs);
        retryMs = Math.min(retryMs * 2, 30_000);
      } else {
        on.connection('connecting');
      }
    };
  };
  open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    source?.close();
  };
}
