import type { KubeObject } from '@skiff/apimachinery';
import { isRecord } from './fieldPath.js';
import { HELM_HOOK_WEIGHT_ANNOTATION } from './resourceHooks.js';
import type { Manifest } from './types.js';

export const SYNC_WAVE_ANNOTATION = 'skiff.dev/sync-wave';
export const ARGO_SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';
/** Where an object's wave is read from, first set wins (parseManifests refuses the two sync-wave annotations with different values). */
export const WAVE_ANNOTATIONS = [SYNC_WAVE_ANNOTATION, ARGO_SYNC_WAVE_ANNOTATION, HELM_HOOK_WEIGHT_ANNOTATION] as const;

/**
 * Argo CD's kind order (gitops-engine `pkg/sync/sync_tasks.go`, trimmed): what others depend on goes
 * first, so a Deployment never starts before its ConfigMap, Secret or ServiceAccount exists. CRDs go
 * before everything that is not built in, so custom objects find their type registered.
 */
export const KIND_ORDER: readonly string[] = [
  'Namespace',
  'NetworkPolicy',
  'ResourceQuota',
  'LimitRange',
  'PodDisruptionBudget',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'StorageClass',
  'PersistentVolume',
  'PersistentVolumeClaim',
  'CustomResourceDefinition',
  'ClusterRole',
  'ClusterRoleBinding',
  'Role',
  'RoleBinding',
  'Service',
  'Endpoints',
  'DaemonSet',
  'Pod',
  'ReplicationController',
  'ReplicaSet',
  'Deployment',
  'HorizontalPodAutoscaler',
  'StatefulSet',
  'Job',
  'CronJob',
  'IngressClass',
  'Ingress',
];

const kindRank = new Map(KIND_ORDER.map((kind, i) => [kind, i]));

/**
 * The `skiff.dev/sync-wave` annotation, else Argo CD's `argocd.argoproj.io/sync-wave`, else a Helm
 * hook's `helm.sh/hook-weight` (as Argo CD reads it); anything that is not an integer counts as wave 0.
 */
export function syncWave(obj: KubeObject): number {
  const annotations = obj.metadata?.annotations;
  if (!isRecord(annotations)) return 0;
  for (const name of WAVE_ANNOTATIONS) {
    const raw = annotations[name];
    if (raw === undefined) continue;
    return typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : 0;
  }
  return 0;
}

/**
 * Apply order: lower sync wave first, then by kind (KIND_ORDER, then other kinds alphabetically), then
 * namespace/name. Accepts manifests or plain objects and returns a sorted copy.
 */
export function syncOrder<T extends KubeObject | Manifest>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => compareForSync(objectOf(a), objectOf(b)));
}

/** Delete order for pruning: the exact reverse of `syncOrder`, so dependents go before what they use. */
export function pruneOrder<T extends KubeObject | Manifest>(items: readonly T[]): T[] {
  return syncOrder(items).reverse();
}

function objectOf(item: KubeObject | Manifest): KubeObject {
  return 'kind' in item ? (item as KubeObject) : (item as Manifest).object;
}

function compareForSync(a: KubeObject, b: KubeObject): number {
  return (
    syncWave(a) - syncWave(b) ||
    compareKinds(a.kind, b.kind) ||
    compareStrings(a.metadata.namespace ?? '', b.metadata.namespace ?? '') ||
    compareStrings(a.metadata.name ?? '', b.metadata.name ?? '')
  );
}

function compareKinds(a: string, b: string): number {
  const ra = kindRank.get(a) ?? KIND_ORDER.length;
  const rb = kindRank.get(b) ?? KIND_ORDER.length;
  return ra - rb || compareStrings(a, b);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
