import type { KubeObject } from '@skiff/apimachinery';
import type { DirectorySource, HelmSource, KustomizeSource } from '@skiff/gitops';
import type { IgnoreDifference } from '@skiff/gitops';

export interface ApplicationSpec {
  /** `helm`, `kustomize` and `directory` say how the folder is rendered (Argo CD's fields; see the README). */
  source: { repoURL: string; targetRevision?: string; path?: string; helm?: HelmSource; kustomize?: KustomizeSource; directory?: DirectorySource };
  destination: { namespace: string };
  syncPolicy?: { automated?: { prune?: boolean; selfHeal?: boolean }; syncOptions?: string[]; autoRollback?: boolean; retry?: RetryStrategy };
  /** Differences that do not make an object OutOfSync and that self-heal leaves alone (Argo CD's field). */
  ignoreDifferences?: IgnoreDifference[];
  refreshIntervalSeconds?: number;
  /** An argoproj.io AppProject in the Application's namespace whose rules apply; none when unset. */
  project?: string;
  /** The ServiceAccount of the Application's namespace its objects are applied as (default: skiff-gitops in the destination namespace; ADR 014). */
  serviceAccountName?: string;
}

/** Argo CD's `syncPolicy.retry`: durations are Go-style strings ("5s", "3m", "1h30m"). */
export interface RetryStrategy {
  limit?: number;
  backoff?: { duration?: string; factor?: number; maxDuration?: string };
}

export type SyncPhase = 'PreSync' | 'Sync' | 'PostSync' | 'SyncFail';
export type HookPhase = 'Running' | 'Succeeded' | 'Failed' | 'Error' | 'Terminating';

/** One object a sync operation applied, pruned or ran as a hook (Argo CD's ResourceResult). */
export interface ResourceResult {
  group: string;
  version: string;
  kind: string;
  namespace?: string;
  name: string;
  status?: 'Synced' | 'SyncFailed' | 'Pruned' | 'PruneSkipped';
  message?: string;
  /** Set on hooks: the phase the hook belongs to. */
  hookType?: SyncPhase;
  /** Running until a hook finishes (or, between waves, until a resource is healthy). */
  hookPhase?: HookPhase;
  syncPhase: SyncPhase;
  syncWave?: number;
  uid?: string;
}

export interface HealthStatus {
  status: 'Healthy' | 'Progressing' | 'Degraded' | 'Suspended' | 'Missing' | 'Unknown';
  message?: string;
}

export interface ResourceStatus {
  group: string;
  version: string;
  kind: string;
  namespace?: string;
  name: string;
  status: 'Synced' | 'OutOfSync';
  health?: HealthStatus;
  /** Live, tracked by this Application, and no longer in git. */
  requiresPruning?: boolean;
  /** Fields that differ from git, while OutOfSync. */
  diff?: string[];
}

export interface HistoryEntry {
  id: number;
  revision: string;
  message: string;
  author: string;
  deployedAt: string;
  /** Whether the revision was seen Healthy while it was live (autoRollback goes back to such a one). */
  healthy?: boolean;
  /** What this revision changed in git against the entry before it (a masked, shortened unified diff; the status page shows it). */
  changes?: string;
}

export interface ApplicationStatus {
  sync?: { status: 'Synced' | 'OutOfSync' | 'Unknown'; revision?: string };
  health?: HealthStatus;
  operationState?: {
    phase: 'Running' | 'Succeeded' | 'Failed' | 'Error';
    message: string;
    startedAt?: string;
    finishedAt?: string;
    revision?: string;
    /** Attempts after the first (syncPolicy.retry). */
    retryCount?: number;
    /** Set once the operation ran (a revision refused by validation has none). */
    syncResult?: { revision: string; resources: ResourceResult[] };
  };
  conditions?: { type: string; message: string; lastTransitionTime?: string }[];
  resources?: ResourceStatus[];
  history?: HistoryEntry[];
  reconciledAt?: string;
}

export function specOf(app: KubeObject): ApplicationSpec {
  return (app.spec ?? {}) as ApplicationSpec;
}

export function statusOf(app: KubeObject): ApplicationStatus {
  return (app.status ?? {}) as ApplicationStatus;
}

/** A repo on this machine: a path, or a file:// URL. */
export function localRepoPath(repoURL: string): string | undefined {
  if (repoURL.startsWith('file://')) return decodeURIComponent(new URL(repoURL).pathname);
  if (repoURL.startsWith('/') || repoURL.startsWith('./') || repoURL.startsWith('../')) return repoURL;
  return undefined;
}
