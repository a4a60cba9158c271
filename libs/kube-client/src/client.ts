import { Agent, fetch as undiciFetch, request as undiciRequest, type Dispatcher } from 'undici';
import {
  fromStatus,
  NotFoundError,
  groupVersion,
  RESOURCE_TYPES,
  type KubeObject,
  type ResourceType,
  type WatchEvent,
} from '@skiff/apimachinery';
import { RequestRateLimiter } from './requestRateLimiter.js';

export interface ClientOptions {
  server: string;
  token: string;
  /** PEM of the CA that signed the API server's certificate (else the process's trusted CAs, incl. NODE_EXTRA_CA_CERTS). */
  ca?: string;
  userAgent?: string;
  /** Per-request timeout for non-watch calls. */
  timeoutMs?: number;
  /** Act as this user (`Impersonate-User`; a ServiceAccount's groups follow from its name), as `kubectl --as` does. */
  impersonate?: string;
  /**
   * The most requests a second this client sends, and how many may go at once above it
   * (client-go's QPS and Burst; watches are not counted). Unset or 0: no limit.
   */
  qps?: number;
  burst?: number;
}

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface WatchOptions extends Omit<ListOptions, 'limit' | 'continue'> {
  resourceVersion: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

export interface ObjectList {
  items: KubeObject[];
  metadata: { resourceVersion: string; continue?: string };
}

export type PatchKind = 'merge' | 'strategic' | 'json' | 'apply';

const PATCH_CONTENT_TYPES: Record<PatchKind, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

export function resourceType(resource: string, group = ''): ResourceType {
  const t = RESOURCE_TYPES.find((x) => x.resource === resource && x.group === group);
  if (!t) throw new Error(`unknown resource ${group ? `${resource}.${group}` : resource}`);
  return t;
}

const MAX_THROTTLED_RETRIES = 10;

/**
 * Requests a process has in flight to one API server at most (connections of its pool, one request
 * each); more wait in the client. Without a bound, a controller's burst (a ReplicaSet creating
 * hundreds of pods at once) overflows its flow's queue in the server's priority and fairness, and
 * each refused request sleeps its Retry-After (1 s) before trying again. client-go is bounded the
 * same way by HTTP/2's concurrent streams per connection.
 */
export const MAX_REQUESTS_IN_FLIGHT = 64;

/**
 * Connection pools for calls, one per CA (the empty string: the process's trusted CAs), shared by
 * every client of the process, impersonating ones included; watches have pools of their own
 * (`watchDispatchers`), which they hold for as long as they run.
 */
const dispatchers = new Map<string, Agent>();
const watchDispatchers = new Map<string, Agent>();
function pooled(pools: Map<string, Agent>, ca: string | undefined, connections?: number): Agent {
  let agent = pools.get(ca ?? '');
  if (!agent) pools.set(ca ?? '', (agent = new Agent({ ...(ca ? { connect: { ca } } : {}), ...(connections ? { connections } : {}) })));
  return agent;
}

/** Retry-After in seconds (1 when absent or unreadable, at most 10), with a little jitter so throttled clients spread out. */
function retryAfterMs(header: string | string[] | undefined): number {
  if (Array.isArray(header)) header = header[0];
  const seconds = header === undefined || header.trim() === '' ? NaN : Number(header);
  const base = Number.isFinite(seconds) && seconds >= 0 ? Math.min(seconds, 10) : 1;
  return base * 1000 * (1 + Math.random() * 0.2);
}

/**
 * A small typed client of the Skiff (Kubernetes) API for Skiff's own components. Failures come
 * back as the typed errors of @skiff/apimachinery (NotFoundError, ConflictError, ...).
 */
export class ApiClient {
  private readonly headers: Record<string, string>;
  private readonly fetch: typeof globalThis.fetch;
  private readonly dispatcher: Dispatcher;
  private readonly impersonating = new Map<string, ApiClient>();
  private readonly limiter: RequestRateLimiter | undefined;

  constructor(private readonly opts: ClientOptions) {
    this.headers = { authorization: `Bearer ${opts.token}`, 'user-agent': opts.userAgent ?? 'skiff', accept: 'application/json', ...(opts.impersonate ? { 'impersonate-user': opts.impersonate } : {}) };
    this.limiter = opts.qps ? new RequestRateLimiter(opts.qps, Math.max(1, opts.burst ?? Math.ceil(opts.qps))) : undefined;
    this.dispatcher = pooled(dispatchers, opts.ca, MAX_REQUESTS_IN_FLIGHT);
    if (opts.ca) {
      const dispatcher = pooled(watchDispatchers, opts.ca);
      this.fetch = ((url: string, init: RequestInit) => undiciFetch(url, { ...(init as object), dispatcher } as never)) as unknown as typeof globalThis.fetch;
    } else {
      this.fetch = globalThis.fetch;
    }
  }

  /** This client acting as `user` (the server checks that this client's own user may impersonate). */
  as(user: string): ApiClient {
    let client = this.impersonating.get(user);
    if (!client) {
      client = new ApiClient({ ...this.opts, impersonate: user });
      this.impersonating.set(user, client);
    }
    return client;
  }

  path(type: ResourceType, namespace?: string, name?: string, subresource?: string): string {
    const base = type.group ? `/apis/${groupVersion(type)}` : `/api/${type.version}`;
    const ns = type.namespaced && namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
    return `${base}${ns}/${type.resource}${name ? `/${encodeURIComponent(name)}` : ''}${subresource ? `/${subresource}` : ''}`;
  }

  /**
   * One call, through undici's request API rather than fetch: no WHATWG streams or abort signal
   * per call (about a fifth of fetch's CPU per request here), which every component's hot path pays.
   */
  async request<T>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const timeout = this.opts.timeoutMs ?? 30_000;
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const headers = payload === undefined ? this.headers : { ...this.headers, 'content-type': contentType };
    const send = async () => {
      await this.limiter?.wait();
      return undiciRequest(this.opts.server + path, { method: method as Dispatcher.HttpMethod, headers, body: payload, dispatcher: this.dispatcher, headersTimeout: timeout, bodyTimeout: timeout });
    };
    let res = await send();
    // A 429 (the server's priority and fairness turned the request away) is tried again after its
    // Retry-After, up to 10 times, as client-go does: the request was not processed.
    for (let retry = 1; res.statusCode === 429 && retry <= MAX_THROTTLED_RETRIES; retry++) {
      await res.body.dump();
      await new Promise((r) => setTimeout(r, retryAfterMs(res.headers['retry-after'])));
      res = await send();
    }
    const text = await res.body.text();
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    // An error may come as plain text (a path no API group serves answers "404 page not found").
    const json = text && (ok || text.trimStart().startsWith('{')) ? (JSON.parse(text) as unknown) : undefined;
    if (!ok) throw fromStatus((json as object | undefined) ?? { code: res.statusCode, message: text.trim(), ...(res.statusCode === 404 ? { reason: 'NotFound' as const } : {}) });
    return json as T;
  }

  get(type: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject> {
    return this.request('GET', this.path(type, namespace, name));
  }

  /** The object, or undefined when it does not exist (a deleted object is no error to a level-triggered reader). */
  async getIfExists(type: ResourceType, namespace: string | undefined, name: string): Promise<KubeObject | undefined> {
    try {
      return await this.get(type, namespace, name);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  list(type: ResourceType, opts: ListOptions = {}): Promise<ObjectList> {
    const q = query({ labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector, limit: opts.limit, continue: opts.continue });
    return this.request('GET', this.path(type, opts.namespace) + q);
  }

  /** `dryRun: true` sends `dryRun=All`: the server validates and answers with the result, storing nothing. */
  create(type: ResourceType, obj: KubeObject, fieldManager?: string, opts: { dryRun?: boolean } = {}): Promise<KubeObject> {
    return this.request('POST', this.path(type, obj.metadata.namespace) + query({ fieldManager, dryRun: opts.dryRun ? 'All' : undefined }), obj);
  }

  update(type: ResourceType, obj: KubeObject, fieldManager?: string): Promise<KubeObject> {
    return this.request('PUT', this.path(type, obj.metadata.namespace, obj.metadata.name) + query({ fieldManager }), obj);
  }

  updateStatus(type: ResourceType, obj: KubeObject, fieldManager?: string): Promise<KubeObject> {
    return this.request('PUT', this.path(type, obj.metadata.namespace, obj.metadata.name, 'status') + query({ fieldManager }), obj);
  }

  /** `dryRun: true` sends `dryRun=All`: the server validates and answers with the result, storing nothing. */
  patch(type: ResourceType, namespace: string | undefined, name: string, patch: unknown, kind: PatchKind = 'merge', opts: { subresource?: string; fieldManager?: string; force?: boolean; dryRun?: boolean } = {}): Promise<KubeObject> {
    return this.request('PATCH', this.path(type, namespace, name, opts.subresource) + query({ fieldManager: opts.fieldManager, force: opts.force, dryRun: opts.dryRun ? 'All' : undefined }), patch, PATCH_CONTENT_TYPES[kind]);
  }

  delete(type: ResourceType, namespace: string | undefined, name: string, opts: { gracePeriodSeconds?: number; propagationPolicy?: string; preconditions?: { uid?: string; resourceVersion?: string } } = {}): Promise<KubeObject> {
    return this.request('DELETE', this.path(type, namespace, name), { apiVersion: 'v1', kind: 'DeleteOptions', ...opts });
  }

  /**
   * Streams watch events until the server ends the watch or `signal` aborts. ERROR events are
   * delivered like the others; a 410 comes as an ERROR event whose object is a Status.
   */
  async watch(type: ResourceType, opts: WatchOptions, onEvent: (ev: WatchEvent) => void, signal?: AbortSignal): Promise<void> {
    const q = query({
      watch: 'true',
      resourceVersion: opts.resourceVersion,
      labelSelector: opts.labelSelector,
      fieldSelector: opts.fieldSelector,
      allowWatchBookmarks: opts.allowWatchBookmarks ? 'true' : undefined,
      timeoutSeconds: opts.timeoutSeconds,
    });
    const res = await this.fetch(this.opts.server + this.path(type, opts.namespace) + q, { headers: this.headers, signal });
    if (!res.ok) {
      const text = await res.text();
      throw fromStatus(text ? (JSON.parse(text) as object) : { code: res.status });
    }
    const decoder = new TextDecoder();
    let buf = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        buf += decoder.decode(chunk, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) onEvent(JSON.parse(line) as WatchEvent);
        }
      }
    } catch (err) {
      if (signal?.aborted) return;
      throw err;
    }
  }
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const entries = Object.entries(params).filter(([, v]) => v !== undefined && v !== '') as [string, string | number | boolean][];
  if (entries.length === 0) return '';
  return '?' + entries.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`).join('&');
}

/** How a component reaches the API server: a ready client, or the URL, token and CA to make one. */
export interface ConnectionOptions {
  client?: ApiClient;
  server?: string;
  token?: string;
  /** PEM of the API server's CA (else the process's trusted CAs, incl. NODE_EXTRA_CA_CERTS). */
  ca?: string;
  /** The client's request rate (`--kube-api-qps`, `--kube-api-burst`); unset or 0: no limit. */
  qps?: number;
  burst?: number;
}

/** The component's client: the one given, or one made from server and token (both then required). */
export function clientFor(opts: ConnectionOptions, userAgent: string): ApiClient {
  if (opts.client) return opts.client;
  if (!opts.server || !opts.token) throw new Error(`${userAgent}: server and token are required when no client is given`);
  return new ApiClient({ server: opts.server, token: opts.token, ca: opts.ca, userAgent, qps: opts.qps, burst: opts.burst });
}
