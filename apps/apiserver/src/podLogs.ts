import { Readable } from 'node:stream';
import { BadRequestError, NotFoundError, ApiError, type KubeObject } from '@skiff/apimachinery';
import type { Store } from '@skiff/store';
import type { FastifyReply } from 'fastify';
import type { ResourcePath } from './paths.js';
import { boolParam, int64Param } from './queryParams.js';
import { chooseContainer, podNodeEndpoint } from './nodeEndpoint.js';

const BOOL_LOG_PARAMS = ['follow', 'previous', 'timestamps'];
const INT_LOG_PARAMS = ['tailLines', 'limitBytes', 'sinceSeconds'];

/**
 * `GET pods/NAME/log`: finds the pod's node and streams the node agent's log endpoint back to the
 * client, as kube-apiserver proxies to the kubelet (`kubectl logs`, `-f`, `--tail`, `--previous`, `-c`).
 */
export async function proxyPodLog(store: Store, path: ResourcePath, query: Record<string, string | undefined>, reply: FastifyReply): Promise<FastifyReply> {
  // Decoded first, as kube-apiserver decodes PodLogOptions, and passed on in canonical form.
  const params = new URLSearchParams();
  for (const p of BOOL_LOG_PARAMS) if (query[p] !== undefined) params.set(p, String(boolParam(query[p])));
  for (const p of INT_LOG_PARAMS) {
    const n = int64Param(query[p]);
    if (n !== undefined) params.set(p, String(n));
  }
  const pod = await store.get({ group: '', resource: 'pods', namespace: path.namespace ?? '', name: path.name! });
  if (!pod) throw new NotFoundError({ kind: 'pods', name: path.name });
  const container = chooseContainer(pod, query.container);
  const { baseUrl, token } = await podNodeEndpoint(store, pod);
  const url = `${baseUrl}/containerLogs/${encodeURIComponent(pod.metadata.namespace!)}/${encodeURIComponent(pod.metadata.name!)}/${encodeURIComponent(container)}?${params}`;
  // The agent's stream lives only as long as the client's: a client that leaves (or a server that
  // closes its connection) aborts the request to the agent, which destroys that socket, even when it
  // leaves before the agent answered.
  const upstream = new AbortController();
  const abort = () => upstream.abort();
  reply.raw.once('close', abort);
  if (reply.raw.destroyed) abort();
  let res: Response;
  try {
    res = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: upstream.signal });
  } catch (err) {
    if (upstream.signal.aborted) return reply.hijack();
    throw new ApiError(502, 'InternalError', `failed to reach the node agent at ${baseUrl}: ${(err as Error).message}`);
  }
  if (!res.ok) {
    const text = await res.text();
    throw new ApiError(res.status === 404 ? 404 : 400, res.status === 404 ? 'NotFound' : 'BadRequest', text.trim() || `the node agent answered ${res.status}`);
  }
  reply.hijack();
  reply.raw.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'transfer-encoding': 'chunked' });
  const body = Readable.fromWeb(res.body as never);
  body.on('error', () => reply.raw.end());
  body.pipe(reply.raw);
  return reply;
}
