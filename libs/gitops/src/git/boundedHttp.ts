import type { GitHttpResponse, HttpClient } from 'isomorphic-git';
import type { FetchLimitExceeded, FetchLimits } from './fetchLimits.js';

/** One fetch's HTTP client, and which limit (if any) ended it. */
export interface BoundedHttp {
  http: HttpClient;
  /** The limit that aborted the fetch, once one has. */
  exceeded(): FetchLimitExceeded | undefined;
  /** Stops the overall deadline: call when the fetch is over, failed or not. */
  close(): void;
}

/**
 * Wraps `inner` for the requests of ONE fetch or clone so a remote cannot hold the caller:
 * - one deadline for all of them (`timeoutMs`);
 * - every wait for the remote (response headers, each body chunk) at most `idleTimeoutMs`, so a
 *   remote that accepts and never answers, or stops halfway, fails early;
 * - the response bytes of all of them counted against `maxBytes`.
 * A limit aborts the shared AbortSignal (node's http destroys the socket) and rejects the pending
 * wait at once, whatever the underlying stream does with the abort; isomorphic-git then fails the
 * fetch with that error, and `exceeded()` says which limit it was.
 */
export function boundedHttp(inner: HttpClient, limits: FetchLimits): BoundedHttp {
  const controller = new AbortController();
  let exceeded: FetchLimitExceeded | undefined;
  let received = 0;
  const abort = (limit: FetchLimitExceeded) => {
    if (exceeded) return;
    exceeded = limit;
    controller.abort(new Error(`fetch aborted: ${limit.limit} limit`));
  };
  const aborted = new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), { once: true }));
  aborted.catch(() => undefined);
  const deadline = setTimeout(() => abort({ limit: 'timeout', ms: limits.timeoutMs }), limits.timeoutMs);

  async function waitFor<T>(pending: Promise<T>): Promise<T> {
    if (controller.signal.aborted) throw controller.signal.reason as Error;
    const idle = setTimeout(() => abort({ limit: 'idle', ms: limits.idleTimeoutMs }), limits.idleTimeoutMs);
    try {
      return await Promise.race([pending, aborted]);
    } finally {
      clearTimeout(idle);
    }
  }

  function counted(body: AsyncIterableIterator<Uint8Array>): AsyncIterableIterator<Uint8Array> {
    const chunks = body[Symbol.asyncIterator]();
    const iterator: AsyncIterableIterator<Uint8Array> = {
      async next() {
        const chunk = await waitFor(chunks.next());
        if (!chunk.done && chunk.value) {
          received += chunk.value.byteLength;
          if (received > limits.maxBytes) {
            abort({ limit: 'size', bytes: limits.maxBytes });
            void chunks.return?.();
            throw controller.signal.reason as Error;
          }
        }
        return chunk;
      },
      async return() {
        await chunks.return?.();
        return { done: true, value: undefined };
      },
      [Symbol.asyncIterator]() {
        return iterator;
      },
    };
    return iterator;
  }

  return {
    http: {
      async request(req): Promise<GitHttpResponse> {
        const res = await waitFor(inner.request({ ...req, signal: controller.signal }));
        return res.body ? { ...res, body: counted(res.body) } : res;
      },
    },
    exceeded: () => exceeded,
    close: () => clearTimeout(deadline),
  };
}
