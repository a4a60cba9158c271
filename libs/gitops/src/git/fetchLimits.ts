/** How long and how much one fetch or clone of a remote repository may take. */
export interface FetchLimits {
  /** The whole fetch (every request and response of it), in ms. */
  timeoutMs: number;
  /** Longest wait for the remote's next bytes (headers or body), in ms: a stalled remote fails well before `timeoutMs`. */
  idleTimeoutMs: number;
  /** Most response bytes one fetch downloads (the packfile, mostly); isomorphic-git holds the packfile in memory. */
  maxBytes: number;
}

export const DEFAULT_FETCH_LIMITS: FetchLimits = { timeoutMs: 120_000, idleTimeoutMs: 30_000, maxBytes: 256 * 2 ** 20 };

/** Which limit a fetch hit. */
export type FetchLimitExceeded = { limit: 'timeout'; ms: number } | { limit: 'idle'; ms: number } | { limit: 'size'; bytes: number };

/** `120000` -> `120 s`, `1500` -> `1.5 s`. */
function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

/** `268435456` -> `256 MiB`, `65536` -> `0.06 MiB`. */
function mebibytes(bytes: number): string {
  return `${Number((bytes / 2 ** 20).toFixed(2))} MiB`;
}

/** What a user reads in the Application's ComparisonError condition, after the repository URL. */
export function fetchLimitMessage(exceeded: FetchLimitExceeded): string {
  switch (exceeded.limit) {
    case 'timeout':
      return `the fetch timed out after ${seconds(exceeded.ms)} (the git watcher's --fetch-timeout-seconds); the remote may be stalled or too slow`;
    case 'idle':
      return `the fetch timed out after ${seconds(exceeded.ms)} without data from the remote (the git watcher's --fetch-idle-timeout-seconds); the remote may be stalled`;
    case 'size':
      return `the repository's packfile exceeds ${mebibytes(exceeded.bytes)}; raise the git watcher's --fetch-max-mib or make the repository smaller (the fetch is shallow: depth 1 of the target revision)`;
  }
}

/** The defaults with what is set in `limits`. */
export function fetchLimits(limits: Partial<FetchLimits> = {}): FetchLimits {
  return {
    timeoutMs: limits.timeoutMs ?? DEFAULT_FETCH_LIMITS.timeoutMs,
    idleTimeoutMs: limits.idleTimeoutMs ?? DEFAULT_FETCH_LIMITS.idleTimeoutMs,
    maxBytes: limits.maxBytes ?? DEFAULT_FETCH_LIMITS.maxBytes,
  };
}
