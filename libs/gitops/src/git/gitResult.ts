export type GitErrorCode = 'NotFound' | 'Ambiguous' | 'Conflict' | 'Dirty' | 'Unsupported' | 'NothingToCommit' | 'Unauthorized' | 'Fetch';

export interface GitError {
  code: GitErrorCode;
  message: string;
  /** The repository path involved, for Conflict and Dirty. */
  path?: string;
}

export type GitFailure = { ok: false; errors: GitError[] };

export function gitFailure(code: GitErrorCode, message: string, path?: string): GitFailure {
  return { ok: false, errors: [{ code, message, ...(path !== undefined ? { path } : {}) }] };
}

export interface GitAuthor {
  name: string;
  email: string;
  /** Seconds since the epoch; defaults to now. */
  timestamp?: number;
  timezoneOffset?: number;
}
