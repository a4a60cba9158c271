import { AlreadyExistsError } from '@skiff/apimachinery';
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
