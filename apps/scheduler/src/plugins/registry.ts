import type { Profile } from '../framework/types.js';
import { LeastAllocated } from './leastAllocated.js';
import { NodeAffinity } from './nodeAffinity.js';
import { NodeReady } from './nodeReady.js';
import { NodeResourcesFit } from './nodeResourcesFit.js';
import { OwnerSpread } from './ownerSpread.js';
import { TaintToleration } from './taintToleration.js';
import { VolumeBinding } from './volumeBinding.js';

/**
 * The default profile. Filters run in this order and a node stops at its first failing filter, so
 * the order decides which reason a node reports (a cordoned node says "unschedulable", not
 * "Insufficient cpu"), as in Kubernetes. Spreading weighs twice as much as free resources, as
 * PodTopologySpread does in kube-scheduler's default profile.
 */
export const DEFAULT_PROFILE: Profile = {
  filters: [NodeReady, TaintToleration, NodeAffinity, NodeResourcesFit, VolumeBinding],
  scores: [
    { plugin: LeastAllocated, weight: 1 },
    { plugin: OwnerSpread, weight: 2 },
  ],
};
