import { AlreadyExistsError, InvalidError, NotFoundError, type KubeObject } from '@skiff/apimachinery';
import { TerminalError, type ReconcileContext } from '@skiff/controller-runtime';
import { persistentVolumeClaims as pvcType, PODS } from '../resources.js';
import { claimOwnerReferences } from './claimRetention.js';
import type { StatefulSetAction } from './planStatefulSetUpdate.js';
import { identityLabels, ordinalOf, persistentVolumeClaims, type ClaimObject, type PodObject, type StatefulSetObject } from './statefulPods.js';

/**
 * Kubernetes' StatefulPodControl: carries out the planned actions on pods and their claims, and
 * records the Events kubectl describe shows ("create Pod web-0 in StatefulSet web successful").
 */
export class StatefulPodControl {
  constructor(
    private readonly set: StatefulSetObject,
    /** Claims in the set's namespace by name, kept current as this pass writes them. */
    private readonly claims: Map<string, ClaimObject>,
    private readonly ctx: ReconcileContext,
  ) {}

  async run(action: StatefulSetAction): Promise<void> {
    switch (action.type) {
      case 'createPod':
        return this.createPod(action.pod);
      case 'deletePod':
        if (action.reason === 'finished') this.recreatingEvent(action.pod);
        return this.deletePod(action.pod);
      case 'updatePodIdentity':
        return this.updatePodIdentity(action.pod);
      case 'createMissingClaims':
        return this.createClaims(action.pod, false);
      case 'updateClaimOwners':
        return this.updateClaimOwners(action.pod);
    }
  }

  private podEvent(verb: string, pod: KubeObject, err?: Error): void {
    const reason = `${err ? 'Failed' : 'Successful'}${verb[0].toUpperCase()}${verb.slice(1)}`;
    const message = err ? `${verb} Pod ${pod.metadata.name} in StatefulSet ${this.set.metadata.name} failed error: ${err.message}` : `${verb} Pod ${pod.metadata.name} in StatefulSet ${this.set.metadata.name} successful`;
    void this.ctx.events.record(this.set, err ? 'Warning' : 'Normal', reason, message);
  }

  /** A pod that finished (Failed, or Succeeded) is deleted to be made again under the same name. */
  private recreatingEvent(pod: PodObject): void {
    const where = `StatefulSet ${this.set.metadata.namespace}/${this.set.metadata.name}`;
    if (pod.status?.phase === 'Failed') void this.ctx.events.record(this.set, 'Warning', 'RecreatingFailedPod', `${where} is recreating failed Pod ${pod.metadata.name}`);
    else void this.ctx.events.record(this.set, 'Normal', 'RecreatingTerminatedPod', `${where} is recreating terminated Pod ${pod.metadata.name}`);
  }

  /** CreateStatefulPod: claims first (a pod must never start without its storage), then the pod. */
  private async createPod(pod: PodObject): Promise<void> {
    try {
      await this.createClaims(pod, true);
    } catch (err) {
      this.podEvent('create', pod, err as Error);
      throw err;
    }
    let created: PodObject;
    try {
      created = (await this.ctx.client.create(PODS, pod)) as PodObject;
    } catch (err) {
      // Made by an earlier pass whose result this one did not list yet.
      if (err instanceof AlreadyExistsError) return;
      this.podEvent('create', pod, err as Error);
      // A pod the API server refuses now is refused until the template changes.
      if (err instanceof InvalidError) throw new TerminalError(`create Pod ${pod.metadata.name} in StatefulSet ${this.set.metadata.name} failed error: ${err.message}`);
      throw err;
    }
    this.podEvent('create', created);
    await this.updateClaimOwners(created);
  }

  private async deletePod(pod: PodObject): Promise<void> {
    try {
      await this.ctx.client.delete(PODS, pod.metadata.namespace, pod.metadata.name!, { preconditions: { uid: pod.metadata.uid } });
      this.podEvent('delete', pod);
    } catch (err) {
      if (err instanceof NotFoundError) return;
      this.podEvent('delete', pod, err as Error);
      throw err;
    }
  }

  private async updatePodIdentity(pod: PodObject): Promise<void> {
    try {
      await this.ctx.client.patch(PODS, pod.metadata.namespace, pod.metadata.name!, { metadata: { uid: pod.metadata.uid, labels: identityLabels(pod) } });
      this.podEvent('update', pod);
    } catch (err) {
      if (err instanceof NotFoundError) return;
      this.podEvent('update', pod, err as Error);
      throw err;
    }
  }

  /**
   * createPersistentVolumeClaims: each of the pod's claims that does not exist is created from its
   * template. A claim being deleted cannot be used: with `strict` (before a pod is created) that is
   * an error to retry on.
   */
  private async createClaims(pod: PodObject, strict: boolean): Promise<void> {
    const wanted = persistentVolumeClaims(this.set, ordinalOf(pod));
    for (const claim of wanted.values()) {
      const name = claim.metadata.name!;
      const existing = this.claims.get(name);
      if (existing) {
        if (strict && existing.metadata.deletionTimestamp) throw new Error(`pvc ${name} is being deleted`);
        continue;
      }
      try {
        const created = (await this.ctx.client.create(pvcType(), claim)) as ClaimObject;
        this.claims.set(name, created);
        void this.ctx.events.record(this.set, 'Normal', 'SuccessfulCreate', `create Claim ${name} Pod ${pod.metadata.name} in StatefulSet ${this.set.metadata.name} success`);
      } catch (err) {
        if (err instanceof AlreadyExistsError) continue;
        void this.ctx.events.record(this.set, 'Warning', 'FailedCreate', `create Claim ${name} for Pod ${pod.metadata.name} in StatefulSet ${this.set.metadata.name} failed error: ${(err as Error).message}`);
        throw new Error(`failed to create PVC ${name}: ${(err as Error).message}`);
      }
    }
  }

  /** UpdatePodClaimForRetentionPolicy: the claims' ownerReferences as the retention policy says. */
  private async updateClaimOwners(pod: PodObject): Promise<void> {
    for (const { metadata } of persistentVolumeClaims(this.set, ordinalOf(pod)).values()) {
      const claim = this.claims.get(metadata.name!);
      if (!claim) continue;
      const refs = claimOwnerReferences(claim, this.set, pod);
      if (!refs) continue;
      try {
        const patched = await this.ctx.client.patch(pvcType(), claim.metadata.namespace, claim.metadata.name!, { metadata: { uid: claim.metadata.uid, ownerReferences: refs.length ? refs : null } });
        this.claims.set(claim.metadata.name!, patched as ClaimObject);
      } catch (err) {
        if (!(err instanceof NotFoundError)) throw err;
      }
    }
  }
}
