import { deepEqual, shape, type KubeObject } from '@skiff/apimachinery';
import type { Ingress, IngressLoadBalancerIngress } from 'kubernetes-types/networking/v1.js';

export interface IngressStatusWrite {
  namespace: string;
  name: string;
  /** The new `status.loadBalancer.ingress`; null clears it. */
  ingress: IngressLoadBalancerIngress[] | null;
}

/**
 * The status writes that make every served Ingress show this controller's address in
 * `status.loadBalancer.ingress` (`[{ip}]`), and clear it from an Ingress this controller no longer
 * serves (its class changed) when it is the only address there. Compute, compare, write: an
 * Ingress already showing the address gets no write, so a converged cluster is quiet.
 */
export function planIngressStatuses(ingresses: readonly KubeObject[], served: readonly string[], address: string): IngressStatusWrite[] {
  const ours = new Set(served);
  const writes: IngressStatusWrite[] = [];
  const desired: IngressLoadBalancerIngress[] = [{ ip: address }];
  for (const obj of ingresses) {
    const ing = shape<Ingress>(obj);
    const namespace = obj.metadata.namespace ?? 'default';
    const name = obj.metadata.name!;
    const current = ing.status?.loadBalancer?.ingress ?? [];
    if (ours.has(`${namespace}/${name}`)) {
      if (!deepEqual(current, desired)) writes.push({ namespace, name, ingress: desired });
    } else if (current.length > 0 && deepEqual(current, desired)) {
      writes.push({ namespace, name, ingress: null });
    }
  }
  return writes;
}
