import { AlreadyExistsError, type KubeObject } from '@skiff/apimachinery';
import { resourceType, type ApiClient } from '@skiff/kube-client';
import { reregisteredNode } from './nodeObject.js';

const NODES = resourceType('nodes');

/**
 * Registers the Node: creates it, or, when it exists (the agent restarted, or the node was
 * registered before), updates its labels and annotations and replaces its status. Returns the
 * stored Node.
 */
export async function registerNode(client: ApiClient, desired: KubeObject): Promise<KubeObject> {
  try {
    return await client.create(NODES, desired, 'skiff-node-agent');
  } catch (err) {
    if (!(err instanceof AlreadyExistsError)) throw err;
  }
  const existing = await client.get(NODES, undefined, desired.metadata.name!);
  const updated = reregisteredNode(existing, desired);
  if (updated) await client.update(NODES, updated, 'skiff-node-agent');
  return client.patch(NODES, undefined, desired.metadata.name!, { status: desired.status }, 'merge', { subresource: 'status', fieldManager: 'skiff-node-agent' });
}
