import { ConflictError, NotFoundError, type KubeObject } from '@skiff/apimachinery';
import { resourceType, type ApiClient } from '@skiff/kube-client';
import { podSpec } from './framework/podInfo.js';

const PODS = resourceType('pods');

/** What came of a binding: ours, someone else's (or an earlier attempt of ours), or no pod to bind. */
export type BindOutcome = 'bound' | 'alreadyBound' | 'gone';

/** The `pods/binding` body that assigns `pod` to `nodeName`. */
export function bindingFor(pod: KubeObject, nodeName: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Binding',
    metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid },
    target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
  };
}

/**
 * The scheduler's only write that places a pod: POST pods/NAME/binding. A 409 means the pod is
 * already bound (a previous attempt whose answer was lost, or another scheduler), being deleted,
 * or changed under the write; a read tells which, and only the last is worth a retry.
 */
export async function bindPod(client: ApiClient, pod: KubeObject, nodeName: string): Promise<BindOutcome> {
  const { namespace, name } = pod.metadata;
  try {
    await client.request('POST', client.path(PODS, namespace, name, 'binding'), bindingFor(pod, nodeName));
    return 'bound';
  } catch (err) {
    if (err instanceof NotFoundError) return 'gone';
    if (!(err instanceof ConflictError)) throw err;
    let current: KubeObject;
    try {
      current = await client.get(PODS, namespace, name!);
    } catch (getErr) {
      if (getErr instanceof NotFoundError) return 'gone';
      throw getErr;
    }
    if (current.metadata.uid !== pod.metadata.uid || current.metadata.deletionTimestamp) return 'gone';
    if (podSpec(current).nodeName) return 'alreadyBound';
    throw err;
  }
}
