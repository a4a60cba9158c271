import { podPhase } from '../common/pods.js';
import { claimIsStale, claimOwnerReferences } from './claimRetention.js';
import { isCreated, isHealthy, isRunningAndAvailable, isRunningAndReady, isTerminating } from './statefulSetStatus.js';
import {
  identityMatches,
  newVersionedStatefulSetPod,
  ordinalOf,
  persistentVolumeClaims,
  podRevision,
  specReplicas,
  startOrdinal,
  storageMatches,
  type ClaimObject,
  type PodObject,
  type StatefulSetObject,
} from './statefulPods.js';

export interface StatefulSetPlanInput {
  /** The set as stored: its template is the update revision's. */
  set: StatefulSetObject;
  /** The set with the current revision's template. */
  currentSet: StatefulSetObject;
  currentRevision: string;
  updateRevision: string;
  /** The pods the set controls. */
  pods: readonly PodObject[];
  /** Existing claims in the set's namespace, by name. */
  claims: ReadonlyMap<string, ClaimObject>;
  now: Date;
}

export type StatefulSetAction =
  /** Create the pod's missing claims, then the pod, then set the claims' owners. */
  | { type: 'createPod'; pod: PodObject }
  | { type: 'deletePod'; pod: PodObject; reason: 'finished' | 'scaleDown' | 'update' }
  /** Put back the pod-name and pod-index labels. */
  | { type: 'updatePodIdentity'; pod: PodObject }
  | { type: 'createMissingClaims'; pod: PodObject }
  /** Bring the claims' ownerReferences in line with the retention policy. */
  | { type: 'updateClaimOwners'; pod: PodObject };

export interface StatefulSetPlan {
  actions: StatefulSetAction[];
  /** Why the plan stopped early (OrderedReady waits), for the log. */
  waitingFor?: string;
}

/**
 * One pass of Kubernetes' updateStatefulSet (stateful_set_control.go), as data:
 * 1. every ordinal in [start, start+replicas) has a pod: finished pods are deleted (and made again
 *    next pass), missing ones created; with OrderedReady each waits until all lower ordinals are
 *    Running, Ready and available;
 * 2. pods past the end are deleted highest ordinal first; with OrderedReady one at a time, and
 *    only while every other pod is healthy (the first unhealthy pod may go);
 * 3. RollingUpdate: the highest ordinal at or above the partition that is not at the update
 *    revision is deleted (it comes back updated); one at a time, waiting for each to be healthy.
 * Parallel does 1 and 2 for every pod at once, without waiting.
 */
export function planStatefulSetUpdate(input: StatefulSetPlanInput): StatefulSetPlan {
  const { set, currentSet, currentRevision, updateRevision, pods, claims, now } = input;
  const start = startOrdinal(set);
  const count = specReplicas(set);
  const minReady = set.spec?.minReadySeconds ?? 0;
  const monotonic = set.spec?.podManagementPolicy !== 'Parallel';

  const replicas: (PodObject | undefined)[] = new Array(count).fill(undefined);
  const condemned: PodObject[] = [];
  for (const pod of pods) {
    const ordinal = ordinalOf(pod);
    if (ordinal >= start && ordinal < start + count) replicas[ordinal - start] = pod;
    else if (ordinal >= 0) condemned.push(pod);
  }
  const slots = replicas.map((pod, i) => pod ?? newVersionedStatefulSetPod(currentSet, set, currentRevision, updateRevision, start + i));
  condemned.sort((a, b) => ordinalOf(b) - ordinalOf(a));
  const firstUnhealthy = slots.find((p) => !isHealthy(p)) ?? [...condemned].reverse().find((p) => !isHealthy(p));

  const plan: StatefulSetPlan = { actions: [] };
  if (set.metadata.deletionTimestamp) return plan;
  const wait = (why: string): StatefulSetPlan => ({ ...plan, waitingFor: why });

  const claimsOf = (pod: PodObject) => [...persistentVolumeClaims(set, ordinalOf(pod)).values()].map((c) => claims.get(c.metadata.name!));
  const claimsMatchPolicy = (pod: PodObject) => claimsOf(pod).every((c) => !c || !claimOwnerReferences(c, set, pod));

  for (const pod of slots) {
    const name = pod.metadata.name!;
    const phase = podPhase(pod);
    if (isCreated(pod) && (phase === 'Failed' || phase === 'Succeeded')) {
      if (!isTerminating(pod)) plan.actions.push({ type: 'deletePod', pod, reason: 'finished' });
      return wait(`${name} to be replaced`);
    }
    if (!isCreated(pod)) {
      if (claimsOf(pod).some((c) => c && claimIsStale(c, pod))) return wait(`stale claims of ${name} to be deleted`);
      plan.actions.push({ type: 'createPod', pod });
      if (monotonic) return wait(`${name} to be Running and Ready`);
      continue;
    }
    if (phase === 'Pending' && claimsOf(pod).some((c) => !c)) plan.actions.push({ type: 'createMissingClaims', pod });
    if (monotonic && isTerminating(pod)) return wait(`${name} to terminate`);
    if (monotonic && !isRunningAndReady(pod)) return wait(`${name} to be Running and Ready`);
    if (monotonic && !isRunningAndAvailable(pod, minReady, now)) return wait(`${name} to be available`);
    if (!identityMatches(set, pod)) plan.actions.push({ type: 'updatePodIdentity', pod });
    if (!storageMatches(set, pod)) plan.actions.push({ type: 'createMissingClaims', pod });
    if (!claimsMatchPolicy(pod)) plan.actions.push({ type: 'updateClaimOwners', pod });
  }

  // Claims of pods about to go take their new owners first, so whenScaled: Delete takes them along.
  for (const pod of condemned) if (!claimsMatchPolicy(pod)) plan.actions.push({ type: 'updateClaimOwners', pod });

  for (const pod of condemned) {
    if (isTerminating(pod)) {
      if (monotonic) return wait(`${pod.metadata.name} to terminate`);
      continue;
    }
    if (monotonic && pod !== firstUnhealthy && !isRunningAndAvailable(pod, minReady, now)) return wait(`${pod.metadata.name} to be Running and Ready before scaling down`);
    plan.actions.push({ type: 'deletePod', pod, reason: 'scaleDown' });
    if (monotonic) return wait(`${pod.metadata.name} to terminate`);
  }

  const strategy = set.spec?.updateStrategy;
  if (strategy?.type === 'OnDelete') return plan;
  const partition = strategy?.rollingUpdate?.partition ?? 0;
  for (let i = slots.length - 1; i >= partition; i--) {
    const pod = slots[i];
    if (podRevision(pod) !== updateRevision && !isTerminating(pod)) {
      plan.actions.push({ type: 'deletePod', pod, reason: 'update' });
      return wait(`${pod.metadata.name} to be updated`);
    }
    if (!isHealthy(pod)) return wait(`${pod.metadata.name} to be healthy after its update`);
  }
  return plan;
}
