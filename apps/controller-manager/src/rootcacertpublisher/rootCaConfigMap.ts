import { ROOT_CA_CONFIG_MAP, type KubeObject } from '@skiff/apimachinery';

const DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

export type RootCaAction = { kind: 'none' } | { kind: 'create'; configMap: KubeObject } | { kind: 'update'; configMap: KubeObject };

/**
 * What root-ca-cert-publisher does for one namespace: nothing in a namespace that is going (or not
 * yet Active); else `kube-root-ca.crt` holds exactly the cluster CA under `ca.crt`, made when
 * missing and put back when someone changed it.
 */
export function planRootCaConfigMap(namespace: KubeObject, existing: KubeObject | undefined, caPem: string): RootCaAction {
  const phase = (namespace.status as { phase?: string } | undefined)?.phase;
  if (namespace.metadata.deletionTimestamp || phase !== 'Active') return { kind: 'none' };
  const data = { 'ca.crt': caPem };
  if (!existing) {
    return {
      kind: 'create',
      configMap: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: ROOT_CA_CONFIG_MAP, namespace: namespace.metadata.name, annotations: { 'kubernetes.io/description': DESCRIPTION } }, data },
    };
  }
  const current = existing.data as Record<string, string> | undefined;
  if (current && Object.keys(current).length === 1 && current['ca.crt'] === caPem && !existing.binaryData) return { kind: 'none' };
  return { kind: 'update', configMap: { ...existing, data, binaryData: undefined } };
}
