import type { FastifyReply, FastifyRequest } from 'fastify';
import { TooManyRequestsError, type KubeObject, type Kind, type WatchEventType } from '@skiff/apimachinery';
import type { Store } from '@skiff/store';
import { compactForStatus, STATUS_TYPES } from './statusObjects.js';
import type { WatchFilter, WatchHandle, WatchHub, WatchSink } from './watch.js';

export const STATUS_STREAM_PATH = '/status/stream';

export interface StatusStreamOptions {
  /** A comment line this often keeps proxies and the browser from timing the stream out. */
  heartbeatMs?: number;
  /** A client this far behind (bytes queued) is cut off; it reconnects and gets a fresh snapshot. */
  maxBufferedBytes?: number;
  /** Open streams at most (each further viewer gets 429 until one closes). */
  maxViewers?: number;
  /** Counts open streams, for /metrics. */
  onOpen?: () => void;
  onClose?: () => void;
}

/**
 * Where the feed reads its kinds: by default the store and the watch hub; in the API server, its
 * watch cache, whose objects are in memory already (a list of 10,000 pods from Postgres and their
 * parse took the first viewer about a second).
 */
export interface StatusSource {
  /** Every object of the kind, at a version not older than the store's newest (a consistent read). */
  list(type: Kind): Promise<{ items: KubeObject[]; resourceVersion: string }>;
  watch(filter: WatchFilter, from: string, sink: WatchSink): Promise<WatchHandle>;
}

interface Viewer {
  /** Sends one already-encoded SSE event. */
  write(chunk: string): void;
  end(): void;
}

/**
 * What every status page viewer sees, kept once: the compacted objects of the status kinds, listed
 * when the first viewer comes and kept current by one watch per kind, each kept as its JSON and
 * each change encoded once for all viewers. A snapshot is those JSON texts joined (a change costs
 * the next snapshot one object's encoding, not 10,000 pods'). A viewer costs the server its socket,
 * not a list of every kind. Warmed when the page itself is fetched (its list runs while the browser
 * loads the script); stops (and forgets) IDLE_MS after the last viewer left, so a reload finds it
 * ready.
 */
/** How long a joining viewer waits for the feed to reach the store's newest version. */
const CATCH_UP_MS = 3_000;
/** How long the feed outlives its last viewer (or a warm-up no viewer followed). */
const IDLE_MS = 30_000;

export class StatusFeed {
  /** Each object's compacted form as JSON, by kind, namespace and name. */
  private readonly objects = new Map<string, string>();
  private readonly viewers = new Set<Viewer>();
  /** Viewers that have their snapshot: only they get changes (the snapshot already holds the earlier ones). */
  private readonly current = new Set<Viewer>();
  private handles: WatchHandle[] = [];
  /** The snapshot as sent, encoded once for every viewer joining before the next change. */
  private snapshot: string | undefined;
  private starting: Promise<void> | undefined;
  private running = false;
  private idle: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Store,
    private readonly hub: WatchHub,
    private readonly log: { warn(obj: object, msg: string): void },
    private readonly source: StatusSource = { list: (t) => store.list({ group: t.group, resource: t.resource }), watch: (f, from, sink) => hub.watch(f, from, sink) },
  ) {}

  get viewerCount(): number {
    return this.viewers.size;
  }

  /** Adds a viewer: its first event is the snapshot, then every change. */
  async join(viewer: Viewer): Promise<void> {
    clearTimeout(this.idle);
    this.viewers.add(viewer);
    try {
      await this.ensureStarted();
    } catch (err) {
      this.viewers.delete(viewer);
      throw err;
    }
    await this.caughtUp();
    if (!this.viewers.has(viewer)) return;
    this.snapshot ??= `event: snapshot\ndata: {"items":[${[...this.objects.values()].join(',')}]}\n\n`;
    viewer.write(this.snapshot);
    this.current.add(viewer);
  }

  /**
   * Until the feed has every change committed before now, so a viewer's snapshot holds what was
   * written before it came (a consistent read); at most CATCH_UP_MS, then the snapshot as it is.
   */
  private async caughtUp(): Promise<void> {
    const target = BigInt(await this.store.currentResourceVersion());
    if (this.handles.every((h) => BigInt(h.resourceVersion()) >= target)) return;
    await this.hub.waitFor(target, CATCH_UP_MS);
  }

  leave(viewer: Viewer): void {
    this.viewers.delete(viewer);
    this.current.delete(viewer);
    if (!this.viewers.size) this.stopWhenIdle();
  }

  /** Starts the feed ahead of a viewer (the page was fetched; its stream follows). */
  warm(): void {
    if (this.viewers.size) return;
    this.ensureStarted().catch((err: Error) => this.log.warn({ err: err.message }, 'status feed could not start'));
    this.stopWhenIdle();
  }

  private ensureStarted(): Promise<void> {
    if (this.running) return Promise.resolve();
    this.starting ??= this.start()
      .then(() => void (this.running = true))
      .finally(() => (this.starting = undefined));
    return this.starting;
  }

  private stopWhenIdle(): void {
    clearTimeout(this.idle);
    this.idle = setTimeout(() => {
      if (this.viewers.size) return;
      if (this.starting) this.stopWhenIdle();
      else this.stop();
    }, IDLE_MS);
    this.idle.unref();
  }

  private async start(): Promise<void> {
    const lists = await Promise.all(STATUS_TYPES.map((t) => this.source.list(t)));
    for (const list of lists) for (const o of list.items) this.objects.set(keyOf(o), JSON.stringify(compactForStatus(o)));
    const send = (type: WatchEventType, object: KubeObject) => this.change(type, object);
    try {
      for (let i = 0; i < STATUS_TYPES.length; i++) this.handles.push(await this.source.watch({ type: STATUS_TYPES[i] }, lists[i].resourceVersion, { send }));
    } catch (err) {
      this.stop();
      throw err;
    }
  }

  private change(type: WatchEventType, object: KubeObject): void {
    if (type === 'ERROR') {
      // The hub fell behind: every viewer reconnects and gets a fresh snapshot from a fresh start.
      this.log.warn({}, 'status feed lost its watch; viewers will reconnect');
      for (const v of [...this.viewers]) v.end();
      this.stop();
      return;
    }
    if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') return;
    const json = JSON.stringify(compactForStatus(object));
    this.snapshot = undefined;
    if (type === 'DELETED') this.objects.delete(keyOf(object));
    else this.objects.set(keyOf(object), json);
    const chunk = `event: change\ndata: {"type":${JSON.stringify(type)},"kind":${JSON.stringify(object.kind)},"object":${json}}\n\n`;
    for (const v of this.current) v.write(chunk);
  }

  /** Stops watching and forgets (also when the server closes). */
  stop(): void {
    clearTimeout(this.idle);
    this.running = false;
    for (const h of this.handles) h.stop();
    this.handles = [];
    this.objects.clear();
    this.snapshot = undefined;
  }
}

/** By kind (each status kind is one resource), namespace and name: as the page keys them, whichever version a list or watch served. */
function keyOf(o: KubeObject): string {
  return `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/**
 * `GET /status/stream`: Server-Sent Events for the status page. `event: snapshot` carries every
 * object of the status kinds ({ items }), then `event: change` carries each change
 * ({ type, kind, object }), both from the shared StatusFeed. A viewer that falls too far behind, or
 * a feed that lost its watch, ends the stream; EventSource reconnects for a new snapshot.
 */
export async function serveStatusStream(req: FastifyRequest, reply: FastifyReply, feed: StatusFeed, opts: StatusStreamOptions = {}): Promise<void> {
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const maxBuffered = opts.maxBufferedBytes ?? 16 * 1024 * 1024;
  if (feed.viewerCount >= (opts.maxViewers ?? 100)) throw new TooManyRequestsError('Too many status page viewers, please try again later.', 5);

  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', 'x-accel-buffering': 'no' });
  opts.onOpen?.();
  let ended = false;
  let heartbeat: NodeJS.Timeout | undefined;
  const viewer: Viewer = {
    write: (chunk) => {
      if (ended) return;
      res.write(chunk);
      if (res.writableLength > maxBuffered) viewer.end();
    },
    end: () => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      feed.leave(viewer);
      opts.onClose?.();
      res.end();
    },
  };
  req.raw.on('close', viewer.end);
  res.on('close', viewer.end);
  res.write('retry: 2000\n\n');
  try {
    await feed.join(viewer);
  } catch (err) {
    req.log.warn({ err: (err as Error).message }, 'status stream could not watch; the page will reconnect');
    viewer.end();
    return;
  }
  if (!ended) heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
}
