import { CLUSTER_ROLE, ConflictError, deepEqual, matchesLabels, NotFoundError, selectorFromLabelSelector } from '@skiff/apimachinery';
import type { ClusterRole, PolicyRule } from 'kubernetes-types/rbac/v1.js';
import type { Logger } from 'pino';
import { clone } from '../objects.js';
import type { Rest } from '../rest.js';
import type { RbacIndex } from './rbacIndex.js';

const RETRY_MS = 1000;

/**
 * The rules an aggregated ClusterRole should have: those of every other ClusterRole its
 * aggregationRule selects, in name order, each distinct rule once (as Kubernetes'
 * clusterrole-aggregation controller computes them).
 */
export function aggregatedRules(role: ClusterRole, all: readonly ClusterRole[]): PolicyRule[] {
  const selectors = (role.aggregationRule?.clusterRoleSelectors ?? []).map(selectorFromLabelSelector);
  const rules: PolicyRule[] = [];
  const sources = all.filter((c) => c.metadata?.name !== role.metadata?.name && selectors.some((s) => matchesLabels(s, c.metadata?.labels)));
  sources.sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1));
  for (const source of sources) {
    for (const r of source.rules ?? []) if (!rules.some((have) => deepEqual(have, r))) rules.push(r);
  }
  return rules;
}

/**
 * Keeps the rules of ClusterRoles with an aggregationRule equal to what they select. It runs in
 * the API server rather than the controller manager (where Kubernetes runs it) because it reads
 * the same in-memory RBAC index the authorizer does, and because admin/edit/view must be usable
 * by an API server running alone. Level-triggered: any ClusterRole change re-checks all
 * aggregated roles; a chain (view -> edit -> admin) converges over successive passes, each write
 * being a change of its own.
 */
export class ClusterRoleAggregation {
  private pending = false;
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private unsubscribe: (() => void) | undefined;
  private stopped = false;

  constructor(private readonly deps: { index: RbacIndex; rest: Rest; logger: Logger }) {}

  start(): void {
    this.unsubscribe = this.deps.index.onClusterRoleChange(() => this.trigger());
    this.trigger();
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.timer) clearTimeout(this.timer);
  }

  private trigger(): void {
    if (this.stopped) return;
    this.pending = true;
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  private async drain(): Promise<void> {
    while (this.pending && !this.stopped) {
      this.pending = false;
      try {
        await this.syncAll();
      } catch (err) {
        this.deps.logger.warn({ err: (err as Error).message }, 'cluster role aggregation failed; retrying');
        this.timer = setTimeout(() => this.trigger(), RETRY_MS);
        this.timer.unref();
      }
    }
  }

  private async syncAll(): Promise<void> {
    const all = this.deps.index.clusterRoles();
    for (const role of all) {
      if (!role.aggregationRule) continue;
      const rules = aggregatedRules(role, all);
      if (deepEqual(rules, role.rules ?? [])) continue;
      const next = clone(role);
      next.rules = rules;
      try {
        const written = await this.deps.rest.update({ type: CLUSTER_ROLE, name: role.metadata!.name! }, next as never, { dryRun: false, fieldManager: 'clusterrole-aggregation-controller' });
        this.deps.index.observe(CLUSTER_ROLE, written);
      } catch (err) {
        // A newer version is on its way through the watch, and will trigger another pass.
        if (err instanceof ConflictError || err instanceof NotFoundError) continue;
        throw err;
      }
    }
  }
}
