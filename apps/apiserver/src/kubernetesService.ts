import { numberToIp, parseCidr, SERVICE_CIDR } from '@skiff/apimachinery';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

/**
 * The `kubernetes` Service in `default`, as kube-apiserver's bootstrap controller keeps it: the
 * first address of the service range, port 443 (`https`), and Endpoints naming the address pods
 * reach the API server on. In-cluster clients find the API server through it
 * (`KUBERNETES_SERVICE_HOST`, `https://kubernetes.default.svc`).
 */
export function kubernetesServiceObjects(serviceCidr: string, advertiseAddress: string, port: number): { service: Record<string, unknown>; endpoints: Record<string, unknown> } {
  const { base } = parseCidr(serviceCidr);
  const clusterIP = numberToIp(base + 1);
  const labels = { component: 'apiserver', provider: 'kubernetes' };
  return {
    service: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kubernetes', namespace: 'default', labels },
      spec: { type: 'ClusterIP', clusterIP, ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }], sessionAffinity: 'None' },
    },
    endpoints: {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
      subsets: [{ addresses: [{ ip: advertiseAddress }], ports: [{ name: 'https', port, protocol: 'TCP' }] }],
    },
  };
}

/**
 * Creates the Service (if missing) and writes the Endpoints (when they differ), through the API
 * itself, so validation, allocation and watches see them like any other write.
 */
export async function reconcileKubernetesService(app: FastifyInstance, token: string, opts: { serviceCidr?: string; advertiseAddress: string; port: number; log: Logger }): Promise<void> {
  const { service, endpoints } = kubernetesServiceObjects(opts.serviceCidr ?? SERVICE_CIDR, opts.advertiseAddress, opts.port);
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const created = await app.inject({ method: 'POST', url: '/api/v1/namespaces/default/services', headers, payload: JSON.stringify(service) });
  if (created.statusCode !== 201 && created.statusCode !== 409) opts.log.warn({ status: created.statusCode, body: created.body }, 'creating the kubernetes Service failed');
  const current = await app.inject({ method: 'GET', url: '/api/v1/namespaces/default/endpoints/kubernetes', headers });
  if (current.statusCode === 404) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/namespaces/default/endpoints', headers, payload: JSON.stringify(endpoints) });
    if (res.statusCode !== 201 && res.statusCode !== 409) opts.log.warn({ status: res.statusCode, body: res.body }, 'creating the kubernetes Endpoints failed');
    return;
  }
  const have = JSON.stringify((JSON.parse(current.body) as { subsets?: unknown }).subsets ?? []);
  if (have === JSON.stringify(endpoints.subsets)) return;
  const res = await app.inject({ method: 'PATCH', url: '/api/v1/namespaces/default/endpoints/kubernetes', headers: { ...headers, 'content-type': 'application/merge-patch+json' }, payload: JSON.stringify({ subsets: endpoints.subsets }) });
  if (res.statusCode !== 200) opts.log.warn({ status: res.statusCode, body: res.body }, 'updating the kubernetes Endpoints failed');
}
