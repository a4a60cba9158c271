import type { FastifyReply, FastifyRequest } from 'fastify';
import type { KubeObject, WatchEventType } from '@skiff/apimachinery';
import type { Store } from '@skiff/store';
import { compactForStatus, STATUS_TYPES } from './statusObjects.js';
import type { WatchHandle, WatchHub } from './watch.js';

export const STATUS_STREAM_PATH = '/status/stream';

export interface StatusStreamOptions {
  store: Store;
  hub: WatchHub;
  /** A comment line this often keeps proxies and the browser from timing the stream out. */
  heartbeatMs?: number;
  /** A client this far behind (bytes queued) is cut off; it reconnects and gets a fresh snapshot. */
  maxBufferedBytes?: number;
  /** Counts open streams, for /metrics. */
  onOpen?: () => void;
  onClose?: () => void;
}

/**
 * `GET /status/stream`: Server-Sent Events for the status page. `event: snapshot` carries every
 * object of the status kinds ({ items }), then `event: change` carries each change
 * ({ type, kind, object }) as the WatchHub fans it out. Each kind is listed and then watched from
 * its list's resourceVersion, so nothing falls between snapshot and changes. A watch the hub has
 * to end (it fell behind compaction) ends the stream; EventSource reconnects for a new snapshot.
 */
export async function serveStatusStream(req: FastifyRequest, reply: FastifyReply, opts: StatusStreamOptions): Promise<void> {
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const maxBuffered = opts.maxBufferedBytes ?? 16 * 1024 * 1024;
  const lists = await Promise.all(STATUS_TYPES.map((t) => opts.store.list({ group: t.group, resource: t.resource })));

  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' });
  opts.onOpen?.();
  const handles: WatchHandle[] = [];
  let ended = false;
  let heartbeat: NodeJS.Timeout | undefined;
  const end = () => {
    if (ended) return;
    ended = true;
    clearInterval(heartbeat);
    for (const h of handles) h.stop();
    opts.onClose?.();
    res.end();
  };
  req.raw.on('close', end);
  res.on('close', end);
  const event = (name: string, data: unknown) => {
    if (ended) return;
    res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    if (res.writableLength > maxBuffered) end();
  };

  res.write('retry: 2000\n\n');
  event('snapshot', { items: lists.flatMap((l) => l.items.map(compactForStatus)) });
  const send = (type: WatchEventType, object: KubeObject) => {
    if (type === 'ERROR') return end();
    if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED') event('change', { type, kind: object.kind, object: compactForStatus(object) });
  };
  try {
    for (let i = 0; i < STATUS_TYPES.length && !ended; i++) handles.push(await opts.hub.watch({ type: STATUS_TYPES[i] }, lists[i].resourceVersion, { send }));
  } catch (err) {
    req.log.warn({ err: (err as Error).message }, 'status stream could not watch; the page will reconnect');
    end();
    return;
  }
  if (ended) {
    for (const h of handles) h.stop();
    return;
  }
  heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
}
