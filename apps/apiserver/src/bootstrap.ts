import { AlreadyExistsError, ANN_DEFAULT_STORAGE_CLASS, LOCAL_PATH_PROVISIONER, LOCAL_PATH_STORAGE_CLASS, type KubeObject } from '@skiff/apimachinery';
import type { Store } from '@skiff/store';
import { nowRfc3339 } from './objects.js';

export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** Creates the namespaces every cluster has; safe to run on every start and from several servers. */
export async function ensureSystemNamespaces(store: Store, now: Date = new Date()): Promise<void> {
  for (const name of SYSTEM_NAMESPACES) {
    const key = { group: '', resource: 'namespaces', namespace: '', name };
    if (await store.get(key)) continue;
    try {
      await store.create(key, {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name, labels: { 'kubernetes.io/metadata.name': name }, creationTimestamp: nowRfc3339(now) },
        spec: { finalizers: ['kubernetes'] },
        status: { phase: 'Active' },
      });
    } catch (err) {
      if (!(err instanceof AlreadyExistsError)) throw err;
    }
  }
}

/** The IngressClass Skiff's proxy serves, made default so a classless Ingress is served too. */
export const DEFAULT_INGRESS_CLASS = 'skiff';
export const INGRESS_CONTROLLER = 'skiff.dev/ingress';

/**
 * Creates the default IngressClass `skiff` (controller `skiff.dev/ingress`, annotated
 * `ingressclass.kubernetes.io/is-default-class: "true"`) when it does not exist; safe to run on
 * every start and from several servers. A class the user changed is left as it is.
 */
export async function ensureDefaultIngressClass(store: Store, now: Date = new Date()): Promise<void> {
  const key = { group: 'networking.k8s.io', resource: 'ingressclasses', namespace: '', name: DEFAULT_INGRESS_CLASS };
  if (await store.get(key)) return;
  try {
    await store.create(key, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'IngressClass',
      metadata: { name: DEFAULT_INGRESS_CLASS, annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' }, creationTimestamp: nowRfc3339(now) },
      spec: { controller: INGRESS_CONTROLLER },
    });
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
  }
}

/**
 * The `local-path` StorageClass every cluster starts with, as k3s ships Rancher's: the default
 * class, node-local directories made by Skiff's built-in provisioner once the first pod using a
 * claim is scheduled (so the data lands where the pod runs), deleted with their claim. Created when
 * missing, at every start.
 */
export function localPathStorageClass(): KubeObject {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: LOCAL_PATH_STORAGE_CLASS, annotations: { [ANN_DEFAULT_STORAGE_CLASS]: 'true' } },
    provisioner: LOCAL_PATH_PROVISIONER,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  };
}

export async function ensureDefaultStorageClass(store: Store, now: Date = new Date()): Promise<void> {
  const sc = localPathStorageClass();
  const key = { group: 'storage.k8s.io', resource: 'storageclasses', namespace: '', name: sc.metadata.name! };
  if (await store.get(key)) return;
  try {
    await store.create(key, { ...sc, metadata: { ...sc.metadata, creationTimestamp: nowRfc3339(now) } });
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
  }
}
