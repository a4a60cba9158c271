import {
  ANN_SELECTED_NODE,
  findMatchingVolume,
  isClaimBindCompleted,
  isDelayBindingClass,
  claimClass,
  shape,
  volumeNodeAffinityMatches,
  type KubeObject,
} from '@skiff/apimachinery';
import type { PersistentVolume, PersistentVolumeClaim } from 'kubernetes-types/core/v1.js';
import type { StorageClass } from 'kubernetes-types/storage/v1.js';
import { FITS, unfit, type FilterPlugin, type FilterResult, type NodeInfo, type PodInfo } from '../framework/types.js';

/** Kubernetes' VolumeBinding reasons, word for word. */
export const REASON_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const REASON_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const REASON_PV_NOT_EXIST = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';
/** A class whose provisioner provisions nothing only binds volumes made by hand. */
const NO_PROVISIONER = 'kubernetes.io/no-provisioner';

/** Where the plugin reads claims, volumes and classes: the scheduler's informers. */
export interface VolumeLookup {
  claim(namespace: string, name: string): KubeObject | undefined;
  volumes(): readonly KubeObject[];
  storageClass(name: string): KubeObject | undefined;
}

/**
 * What a pod's claims ask of a node, read once per scheduling attempt (the plugin's PreFilter):
 * the volumes its bound claims already have, and its WaitForFirstConsumer claims still to bind
 * (with whether their class can provision).
 */
export interface PodVolumes {
  bound: { claim: string; volume: PersistentVolume | undefined }[];
  delayed: { claim: PersistentVolumeClaim; canProvision: boolean }[];
  volumes: readonly PersistentVolume[];
}

export type PodVolumesResult = { ok: true; volumes: PodVolumes } | { ok: false; message: string };

/**
 * PreFilter: the pod's claims must exist and not be going away, and every claim of an Immediate
 * class must already be bound (the PV controller does that without the scheduler). A failure
 * here fails every node alike, so it is the whole message, as in kube-scheduler.
 */
export function podVolumes(pod: KubeObject, lookup: VolumeLookup): PodVolumesResult {
  const namespace = pod.metadata.namespace ?? 'default';
  const claimNames = ((pod.spec as { volumes?: { persistentVolumeClaim?: { claimName?: string } }[] } | undefined)?.volumes ?? [])
    .map((v) => v.persistentVolumeClaim?.claimName)
    .filter((n): n is string => !!n);
  const result: PodVolumes = { bound: [], delayed: [], volumes: [] };
  if (claimNames.length === 0) return { ok: true, volumes: result };
  let immediateUnbound = false;
  for (const name of new Set(claimNames)) {
    const obj = lookup.claim(namespace, name);
    if (!obj) return { ok: false, message: `persistentvolumeclaim "${name}" not found` };
    if (obj.metadata.deletionTimestamp) return { ok: false, message: `persistentvolumeclaim "${name}" is being deleted` };
    const claim = shape<PersistentVolumeClaim>(obj);
    if (isClaimBindCompleted(claim) && claim.spec?.volumeName) {
      result.bound.push({ claim: name, volume: undefined });
      continue;
    }
    const className = claimClass(claim);
    const sc = className ? lookup.storageClass(className) : undefined;
    const storageClass = sc ? shape<StorageClass>(sc) : undefined;
    if (!isDelayBindingClass(storageClass)) {
      immediateUnbound = true;
      continue;
    }
    result.delayed.push({ claim, canProvision: !!storageClass?.provisioner && storageClass.provisioner !== NO_PROVISIONER });
  }
  if (immediateUnbound) return { ok: false, message: 'pod has unbound immediate PersistentVolumeClaims' };
  const volumes = lookup.volumes().map((v) => shape<PersistentVolume>(v));
  for (const b of result.bound) {
    const claim = shape<PersistentVolumeClaim>(lookup.claim(namespace, b.claim)!);
    b.volume = volumes.find((v) => v.metadata?.name === claim.spec?.volumeName);
  }
  result.volumes = volumes;
  return { ok: true, volumes: result };
}

/** How the pod's unbound claims would be served on a node: a free volume there for each, or provisioning. */
export interface VolumeBindingPlan {
  /** Claim name -> the free volume it takes on this node. */
  staticBindings: { claim: PersistentVolumeClaim; volume: PersistentVolume }[];
  /** Claims the provisioner makes a volume for, on this node. */
  provision: PersistentVolumeClaim[];
}

/**
 * Filter: the volumes of bound claims must be usable on the node (their node affinity), and each
 * delayed claim needs a free volume there (one per claim) or a class that provisions.
 */
export function planVolumeBinding(volumes: PodVolumes, node: Pick<NodeInfo, 'name' | 'labels'>): { fits: true; plan: VolumeBindingPlan } | { fits: false; reason: string } {
  const identity = { name: node.name, labels: node.labels };
  for (const b of volumes.bound) {
    if (!b.volume) return { fits: false, reason: REASON_PV_NOT_EXIST };
    if (!volumeNodeAffinityMatches(b.volume, identity)) return { fits: false, reason: REASON_NODE_CONFLICT };
  }
  const plan: VolumeBindingPlan = { staticBindings: [], provision: [] };
  const taken = new Set<string>();
  for (const d of volumes.delayed) {
    const volume = findMatchingVolume(d.claim, volumes.volumes, { node: identity, delayBinding: true, excluded: taken });
    if (volume) {
      taken.add(volume.metadata!.name!);
      plan.staticBindings.push({ claim: d.claim, volume });
    } else if (d.canProvision) {
      plan.provision.push(d.claim);
    } else {
      return { fits: false, reason: REASON_BIND_CONFLICT };
    }
  }
  return { fits: true, plan };
}

export function volumesFit(pod: PodInfo, node: NodeInfo): FilterResult {
  if (!pod.volumes) return FITS;
  const r = planVolumeBinding(pod.volumes, node);
  return r.fits ? FITS : unfit(r.reason);
}

export const VolumeBinding: FilterPlugin = { name: 'VolumeBinding', filter: volumesFit };

/** The annotation a claim to provision gets: the node chosen for its first pod. */
export function selectedNodePatch(nodeName: string): { metadata: { annotations: Record<string, string> } } {
  return { metadata: { annotations: { [ANN_SELECTED_NODE]: nodeName } } };
}
