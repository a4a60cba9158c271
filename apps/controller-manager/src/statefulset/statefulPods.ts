import type { KubeObject } from '@skiff/apimachinery';
import type { StatefulSet } from 'kubernetes-types/apps/v1.js';
import type { PersistentVolumeClaim, Pod, PodTemplateSpec, Volume } from 'kubernetes-types/core/v1.js';
import { ownerReferenceTo } from '../common/ownership.js';
import type { ControllerRevisionObject } from '../history/controllerHistory.js';

/**
 * A StatefulSet pod's identity (pkg/controller/statefulset/stateful_set_utils.go): its name is
 * `<set>-<ordinal>`, its hostname its name and its subdomain the set's governing Service (so it
 * answers at `<pod>.<service>.<ns>.svc`), its claims `<template>-<set>-<ordinal>`.
 */

export type StatefulSetObject = KubeObject & StatefulSet;
export type PodObject = KubeObject & Pod;
export type ClaimObject = KubeObject & PersistentVolumeClaim;

export const POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
export const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';
/** On a StatefulSet pod: the name of the ControllerRevision its template came from. */
export const CONTROLLER_REVISION_HASH = 'controller-revision-hash';

const ORDINAL_NAME = /^(.*)-([0-9]+)$/;

/** getParentNameAndOrdinal: `web-2` -> {parent: 'web', ordinal: 2}; ordinal -1 when the name has none. */
export function parentAndOrdinal(pod: KubeObject): { parent: string; ordinal: number } {
  const m = ORDINAL_NAME.exec(pod.metadata.name ?? '');
  if (!m) return { parent: '', ordinal: -1 };
  const ordinal = Number(m[2]);
  return Number.isSafeInteger(ordinal) ? { parent: m[1], ordinal } : { parent: '', ordinal: -1 };
}

export function ordinalOf(pod: KubeObject): number {
  return parentAndOrdinal(pod).ordinal;
}

/** isMemberOf: the pod's name says it belongs to this set. */
export function isMemberOf(set: KubeObject, pod: KubeObject): boolean {
  return parentAndOrdinal(pod).parent === set.metadata.name;
}

export function podName(set: KubeObject, ordinal: number): string {
  return `${set.metadata.name}-${ordinal}`;
}

export function specReplicas(set: StatefulSetObject): number {
  return set.spec?.replicas ?? 1;
}

export function startOrdinal(set: StatefulSetObject): number {
  return set.spec?.ordinals?.start ?? 0;
}

/** The ordinals [start, start + replicas) the set runs. */
export function podInOrdinalRange(pod: KubeObject, set: StatefulSetObject): boolean {
  const ordinal = ordinalOf(pod);
  return ordinal >= startOrdinal(set) && ordinal < startOrdinal(set) + specReplicas(set);
}

export function claimName(set: KubeObject, template: PersistentVolumeClaim, ordinal: number): string {
  return `${template.metadata?.name}-${set.metadata.name}-${ordinal}`;
}

/** The claims a pod of this ordinal uses, by template name, labelled with the set's selector. */
export function persistentVolumeClaims(set: StatefulSetObject, ordinal: number): Map<string, ClaimObject> {
  const claims = new Map<string, ClaimObject>();
  for (const template of set.spec?.volumeClaimTemplates ?? []) {
    const copy = structuredClone(template);
    const claim: ClaimObject = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      ...copy,
      metadata: {
        ...(copy.metadata ?? {}),
        name: claimName(set, template, ordinal),
        namespace: set.metadata.namespace,
        labels: { ...(copy.metadata?.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) },
      },
    } as ClaimObject;
    delete (claim as { status?: unknown }).status;
    claims.set(template.metadata?.name ?? '', claim);
  }
  return claims;
}

/** identityMatches: name, namespace and the pod-name and pod-index labels are as the ordinal says. */
export function identityMatches(set: StatefulSetObject, pod: PodObject): boolean {
  const { parent, ordinal } = parentAndOrdinal(pod);
  return (
    ordinal >= 0 &&
    parent === set.metadata.name &&
    pod.metadata.namespace === set.metadata.namespace &&
    pod.metadata.labels?.[POD_NAME_LABEL] === pod.metadata.name &&
    pod.metadata.labels?.[POD_INDEX_LABEL] === String(ordinal)
  );
}

/** storageMatches: every claim template is mounted from this ordinal's claim. */
export function storageMatches(set: StatefulSetObject, pod: PodObject): boolean {
  const ordinal = ordinalOf(pod);
  if (ordinal < 0) return false;
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  for (const [name, claim] of persistentVolumeClaims(set, ordinal)) {
    if (volumes.get(name)?.persistentVolumeClaim?.claimName !== claim.metadata.name) return false;
  }
  return true;
}

/** The labels updateIdentity gives a pod (merged over the ones it has). */
export function identityLabels(pod: KubeObject): Record<string, string> {
  return { [POD_NAME_LABEL]: pod.metadata.name!, [POD_INDEX_LABEL]: String(ordinalOf(pod)) };
}

/**
 * updateStorage: the template's volumes with each claim template's name pointing at this
 * ordinal's claim (replacing a template volume of the same name).
 */
function withClaimVolumes(set: StatefulSetObject, ordinal: number, volumes: readonly Volume[]): Volume[] {
  const claims = persistentVolumeClaims(set, ordinal);
  const out: Volume[] = [...claims].map(([name, claim]) => ({ name, persistentVolumeClaim: { claimName: claim.metadata.name! } }));
  for (const v of volumes) if (!claims.has(v.name)) out.push(v);
  return out;
}

/** newStatefulSetPod: the pod for `ordinal` from this set's template, controlled by the set. */
export function newStatefulSetPod(set: StatefulSetObject, ordinal: number): PodObject {
  const template = set.spec?.template ?? {};
  const name = podName(set, ordinal);
  const spec = structuredClone(template.spec ?? { containers: [] });
  const volumes = withClaimVolumes(set, ordinal, spec.volumes ?? []);
  if (volumes.length) spec.volumes = volumes;
  spec.hostname = name;
  spec.subdomain = set.spec?.serviceName;
  if (!spec.subdomain) delete spec.subdomain;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: set.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}), [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal) },
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ...(template.metadata?.finalizers ? { finalizers: [...template.metadata.finalizers] } : {}),
      ownerReferences: [ownerReferenceTo(set)],
    },
    spec,
  };
}

export function podRevision(pod: KubeObject): string | undefined {
  return pod.metadata.labels?.[CONTROLLER_REVISION_HASH];
}

/**
 * newVersionedStatefulSetPod: ordinals below the partition are (re)made at the current revision,
 * the rest at the update revision. Example: 5 replicas, partition 3 -> web-0..2 current,
 * web-3, web-4 updated.
 */
export function newVersionedStatefulSetPod(currentSet: StatefulSetObject, updateSet: StatefulSetObject, currentRevision: string, updateRevision: string, ordinal: number): PodObject {
  const strategy = currentSet.spec?.updateStrategy;
  const index = ordinal - startOrdinal(currentSet);
  const atCurrent =
    (strategy?.type ?? 'RollingUpdate') === 'RollingUpdate' &&
    (strategy?.rollingUpdate ? index < (strategy.rollingUpdate.partition ?? 0) : index < (currentSet.status?.currentReplicas ?? 0));
  const pod = newStatefulSetPod(atCurrent ? currentSet : updateSet, ordinal);
  pod.metadata.labels![CONTROLLER_REVISION_HASH] = atCurrent ? currentRevision : updateRevision;
  return pod;
}

/** getPatch: what a revision stores, the template to put back whole (`$patch: replace`). */
export function revisionData(set: StatefulSetObject): { spec: { template: Record<string, unknown> } } {
  return { spec: { template: { ...structuredClone(set.spec?.template ?? {}), $patch: 'replace' } } };
}

/** ApplyRevision: the set as it was at `revision` (its template put back). */
export function applyRevision(set: StatefulSetObject, revision: ControllerRevisionObject): StatefulSetObject {
  const out = structuredClone(set);
  const template = structuredClone(((revision.data as { spec?: { template?: Record<string, unknown> } } | undefined)?.spec?.template ?? {}) as Record<string, unknown>);
  delete template.$patch;
  out.spec = { ...out.spec!, template: template as PodTemplateSpec };
  return out;
}
