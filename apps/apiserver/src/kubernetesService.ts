import { numberToIp, parseCidr, SERVICE_CIDR } from '@skiff/apimachinery';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

/**
 * The `kubernetes` Service in `default`, as kube-apiserver's bootstrap controller keeps it: the
 * first address of the service range, port 443 (`https`), and Endpoints naming the address pods
 * reach the API server on. In-cluster clients find the API server through it
 * (`KUBERNETES_SERVICE_HOST`, `https://kubernetes.default.svc`).
 */
export function kubernetesServiceObjects(serviceCidr: string, advertiseAddress: string, port: number): { service: Record<string, unknown>; endpoints: Record<string, unknown>; endpointSlice: Record<string, unknown> } {
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
    // The Endpoints are not mirrored (skip-mirror): the API server writes the slice itself, as kube-apiserver's reconciler does.
    endpointSlice: {
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: [advertiseAddress], conditions: { ready: true } }],
      ports: [{ name: 'https', port, protocol: 'TCP' }],
    },
  };
}

/**
 * Creates the Service (if missing) and writes the Endpoints (when they differ), through the API
 * itself, so validation, allocation and watches see them like any other write.
 */
export async function reconcileKubernetesService(app: FastifyInstance, token: string, opts: { serviceCidr?: string; advertiseAddress: string; port: number; log: Logger }): Promise<void> {
  const { service, endpoints, endpointSlice } = kubernetesServiceObjects(opts.serviceCidr ?? SERVICE_CIDR, opts.advertiseAddress, opts.port);
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const created = await app.inject({ method: 'POST', url: '/api/v1/namespaces/default/services', headers, payload: JSON.stringify(service) });
  if (created.statusCode !== 201 && created.statusCode !== 409) opts.log.warn({ status: created.statusCode, body: created.body }, 'creating the kubernetes Service failed');
  const write = { app, headers, log: opts.log };
  await ensureObject(write, '/api/v1/namespaces/default/endpoints', endpoints, ['subsets']);
  await ensureObject(write, '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices', endpointSlice, ['endpoints', 'ports']);
}

/** Creates `want` in `collection`, or merge-patches the `fields` that differ; a failure is logged, and the next start tries again. */
async function ensureObject(
  w: { app: FastifyInstance; headers: Record<string, string>; log: Logger },
  collection: string,
  want: Record<string, unknown>,
  fields: string[],
): Promise<void> {
  const kind = want.kind as string;
  const current = await w.app.inject({ method: 'GET', url: `${collection}/kubernetes`, headers: w.headers });
  if (current.statusCode === 404) {
    const res = await w.app.inject({ method: 'POST', url: collection, headers: w.headers, payload: JSON.stringify(want) });
    if (res.statusCode !== 201 && res.statusCode !== 409) w.log.warn({ status: res.statusCode, body: res.body }, `creating the kubernetes ${kind} failed`);
    return;
  }
  const have = JSON.parse(current.body) as Record<string, unknown>;
  const changed = Object.fromEntries(fields.filter((f) => JSON.stringify(have[f] ?? []) !== JSON.stringify(want[f])).map((f) => [f, want[f]]));
  if (Object.keys(changed).length === 0) return;
  const res = await w.app.inject({ method: 'PATCH', url: `${collection}/kubernetes`, headers: { ...w.headers, 'content-type': 'application/merge-patch+json' }, payload: JSON.stringify(changed) });
  if (res.statusCode !== 200) w.log.warn({ status: res.statusCode, body: res.body }, `updating the kubernetes ${kind} failed`);
}
