import { AlreadyExistsError, InvalidError, NotFoundError, type KubeObject } from '@skiff/apimachinery';
import { TerminalError, type ReconcileContext, type ReconcileResult } from '@skiff/controller-runtime';
import { isControlledBy, ownerReferenceTo } from '../common/ownership.js';
import { DEPLOYMENTS, REPLICASETS } from '../resources.js';
import { calculateStatus, deploymentComplete, FOUND_NEW_RS, getCondition, NEW_RS_CREATED, newCondition, pausedCondition, rolloutStatus, sameStatus, setCondition, storedStatus, type DeploymentStatus } from './deploymentStatus.js';
import { deploymentSpec } from './fenceposts.js';
import { findNewReplicaSet, maxRevision, POD_TEMPLATE_HASH, podTemplateHash, REVISION, revisionOf, specReplicas, templatesEqual } from './replicaSets.js';
import { annotationsDiffer, newReplicaSetAnnotations, replicaAnnotations, replicaSetsToClean } from './revisions.js';
import { newReplicaSetReplicas, type ScaleAction } from './rollingPlan.js';

/**
 * One pass over one Deployment: the reads and writes the strategies share. It holds a private
 * copy of the Deployment whose status conditions collect what this pass learned, so the status
 * is written once, at the end, and only if it changed.
 */
export class DeploymentSync {
  readonly d: KubeObject;

  constructor(
    /** The Deployment as read at the start of the pass. */
    private readonly original: KubeObject,
    /** The ReplicaSets this Deployment controls (after adoption). */
    public rss: KubeObject[],
    readonly ctx: ReconcileContext,
  ) {
    this.d = structuredClone(original);
    this.d.status = { ...storedStatus(original), conditions: [...(storedStatus(original).conditions ?? [])] };
    pausedCondition(this.d, this.d.status as Partial<DeploymentStatus>, ctx.now());
  }

  get name(): string {
    return `${this.d.metadata.namespace}/${this.d.metadata.name}`;
  }

  private get template(): unknown {
    return deploymentSpec(this.d).template;
  }

  private setCondition(type: string, status: string, reason: string, message: string): void {
    setCondition(this.d.status as Partial<DeploymentStatus>, newCondition(type, status, reason, message, this.ctx.now()));
  }

  /** The new ReplicaSet and the old ones (getAllReplicaSetsAndSyncRevision). */
  async replicaSets(create: boolean): Promise<{ newRS: KubeObject | undefined; oldRSs: KubeObject[] }> {
    const existing = findNewReplicaSet(this.template, this.rss);
    const oldRSs = this.rss.filter((rs) => rs !== existing);
    const newRevision = maxRevision(oldRSs) + 1;
    let newRS: KubeObject | undefined;
    if (existing) {
      newRS = await this.syncNewReplicaSet(existing, newRevision);
      if (!getCondition(storedStatus(this.d), 'Progressing')) this.setCondition('Progressing', 'True', FOUND_NEW_RS, `Found new replica set "${newRS.metadata.name}"`);
    } else if (create) {
      newRS = await this.createNewReplicaSet(oldRSs, newRevision);
    }
    if (newRS) {
      await this.syncDeploymentRevision(newRS);
      // The set exists now: a recorded failure to create it is over.
      const status = this.d.status as Partial<DeploymentStatus>;
      status.conditions = (status.conditions ?? []).filter((c) => !(c.type === 'ReplicaFailure' && c.reason === 'FailedCreate'));
    }
    this.rss = newRS ? [...oldRSs, newRS] : oldRSs;
    return { newRS, oldRSs };
  }

  /** An existing set becoming (or staying) the new one: revision and copied annotations, minReadySeconds. */
  private async syncNewReplicaSet(rs: KubeObject, newRevision: number): Promise<KubeObject> {
    const annotations = newReplicaSetAnnotations(this.d, rs, newRevision);
    const minReady = deploymentSpec(this.d).minReadySeconds ?? 0;
    const rsMinReady = (rs.spec as { minReadySeconds?: number }).minReadySeconds ?? 0;
    if (!annotationsDiffer(rs.metadata.annotations, annotations) && minReady === rsMinReady) return rs;
    const patched = await this.ctx.client.patch(REPLICASETS, rs.metadata.namespace, rs.metadata.name!, { metadata: { annotations }, spec: { minReadySeconds: minReady } });
    if (revisionOf(patched) !== revisionOf(rs)) this.ctx.log.info({ key: this.name, replicaSet: rs.metadata.name, revision: revisionOf(patched) }, 'replica set takes the new revision');
    return patched;
  }

  private async createNewReplicaSet(oldRSs: KubeObject[], newRevision: number): Promise<KubeObject> {
    const spec = deploymentSpec(this.d);
    const collisionCount = storedStatus(this.d).collisionCount;
    const hash = podTemplateHash(this.template, collisionCount);
    const template = structuredClone((this.template ?? {}) as { metadata?: { labels?: Record<string, string> } });
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH]: hash } };
    const selector = structuredClone((spec.selector ?? {}) as { matchLabels?: Record<string, string> });
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH]: hash };
    const rs: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${this.d.metadata.name}-${hash}`,
        namespace: this.d.metadata.namespace,
        labels: template.metadata.labels,
        annotations: { ...newReplicaSetAnnotations(this.d, { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: {} }, newRevision), ...replicaAnnotations(this.d) },
        ownerReferences: [ownerReferenceTo(this.d)],
      },
      spec: { replicas: 0, minReadySeconds: spec.minReadySeconds ?? 0, selector, template },
    };
    (rs.spec as { replicas: number }).replicas = newReplicaSetReplicas(this.d, oldRSs, rs);
    let created: KubeObject;
    try {
      created = await this.ctx.client.create(REPLICASETS, rs);
    } catch (err) {
      if (err instanceof InvalidError) {
        // The set this Deployment needs can never be made as it stands (a name too long, say):
        // say so on the Deployment, then stop until its spec changes.
        const message = `Failed to create new replica set "${rs.metadata.name}": ${err.message}`;
        void this.ctx.events.record(this.d, 'Warning', 'FailedCreate', message);
        this.setCondition('ReplicaFailure', 'True', 'FailedCreate', message);
        await this.writeStatus(undefined, false);
        throw new TerminalError(message);
      }
      if (!(err instanceof AlreadyExistsError)) throw err;
      const found = await this.ctx.client.get(REPLICASETS, rs.metadata.namespace, rs.metadata.name!);
      // Ours, made by a pass whose result the cache had not shown yet.
      if (isControlledBy(found, this.d) && templatesEqual((found.spec as { template?: unknown }).template, this.template)) return found;
      // Someone else's set has the name: change the hash input and try again (collisionCount).
      const next = (collisionCount ?? 0) + 1;
      await this.ctx.client.patch(DEPLOYMENTS, this.d.metadata.namespace, this.d.metadata.name!, { status: { collisionCount: next } }, 'merge', { subresource: 'status' });
      throw new Error(`replica set name ${rs.metadata.name} is taken; collisionCount is now ${next}`);
    }
    const replicas = specReplicas(created);
    void this.ctx.events.record(this.d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata.name} from 0 to ${replicas}`);
    this.setCondition('Progressing', 'True', NEW_RS_CREATED, `Created new replica set "${created.metadata.name}"`);
    return created;
  }

  /** The Deployment carries its current revision (what `kubectl rollout history` calls current). */
  private async syncDeploymentRevision(newRS: KubeObject): Promise<void> {
    const revision = newRS.metadata.annotations?.[REVISION];
    if (!revision || this.d.metadata.annotations?.[REVISION] === revision) return;
    await this.ctx.client.patch(DEPLOYMENTS, this.d.metadata.namespace, this.d.metadata.name!, { metadata: { annotations: { [REVISION]: revision } } });
    this.d.metadata.annotations = { ...(this.d.metadata.annotations ?? {}), [REVISION]: revision };
  }

  /** Sizes ReplicaSets (with the replica annotations), records the Event, and keeps `rss` current. */
  async scale(actions: readonly ScaleAction[]): Promise<boolean> {
    let changed = false;
    for (const { rs, replicas } of actions) {
      const from = specReplicas(rs);
      const annotations = replicaAnnotations(this.d);
      if (from === replicas && !annotationsDiffer(rs.metadata.annotations, annotations)) continue;
      const patched = await this.ctx.client.patch(REPLICASETS, rs.metadata.namespace, rs.metadata.name!, { metadata: { annotations }, spec: { replicas } });
      this.rss = this.rss.map((x) => (x.metadata.uid === patched.metadata.uid ? patched : x));
      if (from !== replicas) {
        changed = true;
        const verb = replicas > from ? 'up' : 'down';
        void this.ctx.events.record(this.d, 'Normal', 'ScalingReplicaSet', `Scaled ${verb} replica set ${rs.metadata.name} from ${from} to ${replicas}`);
      }
    }
    return changed;
  }

  /** Deletes old, empty ReplicaSets beyond revisionHistoryLimit. */
  async cleanup(oldRSs: readonly KubeObject[]): Promise<void> {
    for (const rs of replicaSetsToClean(this.d, oldRSs)) {
      try {
        await this.ctx.client.delete(REPLICASETS, rs.metadata.namespace, rs.metadata.name!, { preconditions: { uid: rs.metadata.uid } });
        this.ctx.log.info({ key: this.name, replicaSet: rs.metadata.name }, 'deleted old replica set (revision history limit)');
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
    }
  }

  current(newRS: KubeObject | undefined): KubeObject | undefined {
    return newRS ? this.rss.find((x) => x.metadata.uid === newRS.metadata.uid) : undefined;
  }

  /** Counts, Available, and (during a rollout) Progressing; written only when they changed. */
  async writeStatus(newRS: KubeObject | undefined, rollout: boolean): Promise<ReconcileResult | void> {
    const now = this.ctx.now();
    const current = this.current(newRS);
    let status = calculateStatus(this.d, this.rss, current, now);
    let requeueAfterMs: number | undefined;
    if (rollout) ({ status, requeueAfterMs } = rolloutStatus(this.d, status, current, now));
    if (!sameStatus(storedStatus(this.original), status)) {
      try {
        await this.ctx.client.patch(DEPLOYMENTS, this.d.metadata.namespace, this.d.metadata.name!, { status }, 'merge', { subresource: 'status' });
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
    }
    return requeueAfterMs !== undefined ? { requeueAfterMs } : undefined;
  }

  isComplete(newRS: KubeObject | undefined): boolean {
    return deploymentComplete(this.d, calculateStatus(this.d, this.rss, this.current(newRS), this.ctx.now()));
  }
}
