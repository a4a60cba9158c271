import { defaultPodSpec } from '../defaults.js';
import type { KubeObject } from '../types.js';

type Json = Record<string, unknown>;

function child(o: Json, key: string): Json {
  const v = o[key];
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v as Json;
  const fresh: Json = {};
  o[key] = fresh;
  return fresh;
}

function setDefault(o: Json, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null || o[key] === '') o[key] = value;
}

/**
 * Kubernetes' SetDefaults_StatefulSet (pkg/apis/apps/v1/defaults.go): OrderedReady, RollingUpdate
 * with partition 0 (a RollingUpdate with no rollingUpdate given gets one only when the type was
 * defaulted too), claims Retain/Retain, 1 replica, 10 revisions; each claim template defaulted as
 * a PersistentVolumeClaim (Filesystem, Pending). minReadySeconds 0 is its zero value: not written.
 */
export function defaultStatefulSet(set: KubeObject): void {
  const spec = child(set as unknown as Json, 'spec');
  setDefault(spec, 'podManagementPolicy', 'OrderedReady');
  const strategy = child(spec, 'updateStrategy');
  if (!strategy.type) {
    strategy.type = 'RollingUpdate';
    child(strategy, 'rollingUpdate');
  }
  if (strategy.type === 'RollingUpdate' && strategy.rollingUpdate !== undefined && strategy.rollingUpdate !== null) {
    setDefault(child(strategy, 'rollingUpdate'), 'partition', 0);
  }
  const retention = child(spec, 'persistentVolumeClaimRetentionPolicy');
  setDefault(retention, 'whenDeleted', 'Retain');
  setDefault(retention, 'whenScaled', 'Retain');
  setDefault(spec, 'replicas', 1);
  setDefault(spec, 'revisionHistoryLimit', 10);
  if (Array.isArray(spec.volumeClaimTemplates)) {
    for (const claim of spec.volumeClaimTemplates as unknown[]) {
      if (claim === null || typeof claim !== 'object') continue;
      const c = claim as Json;
      setDefault(c, 'apiVersion', 'v1');
      setDefault(c, 'kind', 'PersistentVolumeClaim');
      setDefault(child(c, 'spec'), 'volumeMode', 'Filesystem');
      setDefault(child(c, 'status'), 'phase', 'Pending');
    }
  }
  defaultPodSpec(child(child(spec, 'template'), 'spec'));
  // availableReplicas and replicas have no omitempty: a new StatefulSet's status shows both.
  const status = child(set as unknown as Json, 'status');
  setDefault(status, 'replicas', 0);
  setDefault(status, 'availableReplicas', 0);
}
