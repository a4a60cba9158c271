import { BadRequestError, NotFoundError, type KubeObject } from '@skiff/apimachinery';
import type { Store } from '@skiff/store';
import { nodeToken } from './tokenSecrets.js';

export interface NodeEndpoint {
  /** `http://ADDRESS:PORT` of the node agent's server (kubelet's port). */
  baseUrl: string;
  /** The credential the agent accepts. */
  token?: string;
}

/** Where the node a pod is bound to serves logs and streams, as kube-apiserver finds the kubelet. */
export async function podNodeEndpoint(store: Store, pod: KubeObject): Promise<NodeEndpoint> {
  const nodeName = (pod.spec as { nodeName?: string } | undefined)?.nodeName;
  if (!nodeName) throw new BadRequestError(`pod ${pod.metadata.name} does not have a host assigned`);
  const node = await store.get({ group: '', resource: 'nodes', namespace: '', name: nodeName });
  if (!node) throw new NotFoundError({ kind: 'nodes', name: nodeName });
  return nodeEndpoint(store, node);
}

/** Where a node's agent serves (kubelet's port), and the token it accepts. */
export async function nodeEndpoint(store: Store, node: KubeObject): Promise<NodeEndpoint> {
  const nodeName = node.metadata.name!;
  const status = (node.status ?? {}) as { addresses?: { type: string; address: string }[]; daemonEndpoints?: { kubeletEndpoint?: { Port?: number } } };
  const address = status.addresses?.find((a) => a.type === 'InternalIP')?.address ?? '127.0.0.1';
  const port = status.daemonEndpoints?.kubeletEndpoint?.Port;
  if (!port) throw new BadRequestError(`node ${nodeName} does not serve logs or streams (no daemon endpoint)`);
  return { baseUrl: `http://${address.includes(':') ? `[${address}]` : address}:${port}`, token: await nodeToken(store, nodeName) };
}

interface ContainerNames {
  containers?: { name: string }[];
  initContainers?: { name: string }[];
  ephemeralContainers?: { name: string }[];
}

/**
 * The container a log, exec or attach request means: the one asked for (any kind of container),
 * else the pod's only container, else the `kubectl.kubernetes.io/default-container` annotation.
 */
export function chooseContainer(pod: KubeObject, requested: string | undefined): string {
  const spec = (pod.spec ?? {}) as ContainerNames;
  const names = (spec.containers ?? []).map((c) => c.name);
  const all = [...names, ...(spec.initContainers ?? []).map((c) => c.name), ...(spec.ephemeralContainers ?? []).map((c) => c.name)];
  if (requested) {
    if (!all.includes(requested)) throw new BadRequestError(`container ${requested} is not valid for pod ${pod.metadata.name}`);
    return requested;
  }
  if (names.length === 1) return names[0];
  const annotated = pod.metadata.annotations?.['kubectl.kubernetes.io/default-container'];
  if (annotated && all.includes(annotated)) return annotated;
  throw new BadRequestError(`a container name must be specified for pod ${pod.metadata.name}, choose one of: [${names.join(' ')}]`);
}
