import type { Container, EphemeralContainer, PodSpec } from 'kubernetes-types/core/v1.js';
import type { KubeObject } from './types.js';

export interface PodReferences {
  secrets: Set<string>;
  configMaps: Set<string>;
  claims: Set<string>;
}

/**
 * The Secrets, ConfigMaps and PersistentVolumeClaims of its namespace a pod uses: volumes (also
 * projected sources and ephemeral claims), containers' env and envFrom, and imagePullSecrets. What
 * Kubernetes' Node authorizer lets the pod's node read, and nothing else.
 */
export function podReferences(pod: KubeObject): PodReferences {
  const spec = (pod.spec ?? {}) as PodSpec;
  const out: PodReferences = { secrets: new Set(), configMaps: new Set(), claims: new Set() };
  for (const s of spec.imagePullSecrets ?? []) if (s.name) out.secrets.add(s.name);
  for (const v of spec.volumes ?? []) {
    if (v.secret?.secretName) out.secrets.add(v.secret.secretName);
    if (v.configMap?.name) out.configMaps.add(v.configMap.name);
    if (v.persistentVolumeClaim?.claimName) out.claims.add(v.persistentVolumeClaim.claimName);
    // A generic ephemeral volume's claim is named <pod>-<volume>.
    if (v.ephemeral) out.claims.add(`${pod.metadata.name}-${v.name}`);
    for (const p of v.projected?.sources ?? []) {
      if (p.secret?.name) out.secrets.add(p.secret.name);
      if (p.configMap?.name) out.configMaps.add(p.configMap.name);
    }
  }
  const containers: (Container | EphemeralContainer)[] = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
  for (const c of containers) {
    for (const e of c.env ?? []) {
      if (e.valueFrom?.secretKeyRef?.name) out.secrets.add(e.valueFrom.secretKeyRef.name);
      if (e.valueFrom?.configMapKeyRef?.name) out.configMaps.add(e.valueFrom.configMapKeyRef.name);
    }
    for (const f of c.envFrom ?? []) {
      if (f.secretRef?.name) out.secrets.add(f.secretRef.name);
      if (f.configMapRef?.name) out.configMaps.add(f.configMapRef.name);
    }
  }
  return out;
}
