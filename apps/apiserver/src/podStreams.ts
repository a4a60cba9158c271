import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { BadRequestError, NotFoundError, toStatus, type KindRegistry } from '@skiff/apimachinery';
import type { Store } from '@skiff/store';
import { proxyUpgrade, refuseUpgrade } from '@skiff/streaming';
import type { Logger } from 'pino';
import { authenticate, type Authenticator, type Principal } from './auth.js';
import { header, type AuditWriter } from './audit/auditLog.js';
import { authorize, type RuleAuthorizer } from './authorizer.js';
import { impersonate } from './rbac/impersonation.js';
import { chooseContainer, podNodeEndpoint } from './nodeEndpoint.js';
import { parseResourcePath } from './paths.js';

/** The pod subresources that are interactive sessions rather than requests. */
export const STREAM_SUBRESOURCES = new Set(['exec', 'attach', 'portforward']);

/** kubelet's path for each subresource. */
const AGENT_PATH: Record<string, string> = { exec: 'exec', attach: 'attach', portforward: 'portForward' };

export interface PodStreamDeps {
  store: Store;
  authenticator: Authenticator;
  log: Logger;
  kinds: KindRegistry;
  onSession?: (subresource: string, code: number) => void;
  /** RBAC, after the built-in rules; impersonation headers are honoured as on other requests. */
  rbac?: RuleAuthorizer;
  /** The audit log: a line per session when it ends (101), or per refused request. */
  audit?: AuditWriter;
}

/**
 * `pods/{name}/exec`, `pods/{name}/attach` and `pods/{name}/portforward` (SPDY upgrades, or
 * WebSocket ones, which kubectl tries first): authenticated and authorized like any request (verb
 * `create` on the subresource, for GET WebSocket upgrades too), then spliced to the pod's node
 * agent with the node's credentials. The session's own protocol is spoken end to end between the
 * client and the agent; the API server only checks and forwards, as kube-apiserver does.
 */
export function podStreamUpgradeHandler(deps: PodStreamDeps): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    socket.on('error', () => socket.destroy());
    const started = performance.now();
    const receivedAt = new Date();
    let subresource = '';
    let user: Principal | undefined;
    const audit = (statusCode: number) =>
      deps.audit?.({ method: req.method ?? 'GET', url: req.url ?? '/', user, remoteAddress: req.socket.remoteAddress, forwardedFor: header(req.headers['x-forwarded-for']), userAgent: header(req.headers['user-agent']), statusCode, receivedAt, completedAt: receivedAt });
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://apiserver');
      let path;
      try {
        path = parseResourcePath(url.pathname, deps.kinds);
      } catch {
        path = undefined;
      }
      if (!path || path.type.resource !== 'pods' || !path.name || !path.subresource || !STREAM_SUBRESOURCES.has(path.subresource)) {
        throw new NotFoundError({}, 'the server could not find the requested resource');
      }
      subresource = path.subresource;
      const principal = impersonate(await authenticate(deps.authenticator, req.headers.authorization, req.socket), req, deps.rbac);
      user = principal;
      authorize(principal, { verb: 'create', path, query: {} }, deps.rbac);
      const pod = await deps.store.get({ group: '', resource: 'pods', namespace: path.namespace ?? '', name: path.name });
      if (!pod) throw new NotFoundError({ kind: 'pods', name: path.name });
      const phase = (pod.status as { phase?: string } | undefined)?.phase;
      if (phase === 'Succeeded' || phase === 'Failed') {
        throw new BadRequestError(`cannot ${subresource === 'portforward' ? 'port-forward to' : `${subresource} into`} a container in a completed pod; current phase is ${phase}`);
      }
      const q = url.searchParams;
      const agentQuery = new URLSearchParams();
      let target = `${encodeURIComponent(pod.metadata.namespace!)}/${encodeURIComponent(pod.metadata.name!)}`;
      if (subresource === 'portforward') {
        for (const p of [...q.getAll('ports'), ...q.getAll('port')].flatMap((v) => v.split(','))) {
          if (!/^\d+$/.test(p.trim()) || Number(p) < 1 || Number(p) > 65535) throw new BadRequestError(`invalid port ${JSON.stringify(p)}: ports must be between 1 and 65535`);
          agentQuery.append('port', p.trim());
        }
      } else {
        const container = chooseContainer(pod, q.get('container') ?? undefined);
        target += `/${encodeURIComponent(container)}`;
        const command = q.getAll('command');
        if (subresource === 'exec' && command.length === 0) throw new BadRequestError('you must specify at least 1 command');
        for (const c of command) agentQuery.append('command', c);
        for (const f of ['stdin', 'stdout', 'stderr', 'tty']) {
          const v = q.get(f);
          if (v !== null) agentQuery.set(f, v);
        }
        if (!['stdin', 'stdout', 'stderr'].some((f) => /^(1|t|true)$/i.test(q.get(f) ?? ''))) {
          throw new BadRequestError('you must specify at least one of stdin, stdout, stderr');
        }
      }
      const { baseUrl, token } = await podNodeEndpoint(deps.store, pod);
      const qs = agentQuery.toString();
      deps.log.info({ key: `pods/${pod.metadata.namespace}/${pod.metadata.name}`, subresource, user: principal.name, websocket: req.headers.upgrade?.toLowerCase() === 'websocket' }, 'streaming session');
      deps.onSession?.(subresource, 101);
      socket.once('close', () => audit(101));
      proxyUpgrade(req, socket, head, { url: `${baseUrl}/${AGENT_PATH[subresource]}/${target}${qs ? `?${qs}` : ''}`, headers: token ? { Authorization: `Bearer ${token}` } : {}, replaceQuery: true }, (err) =>
        deps.log.warn({ key: `pods/${pod.metadata.namespace}/${pod.metadata.name}`, subresource, err: err.message }, 'streaming session to the node agent failed'),
      );
    })().catch((err: unknown) => {
      const status = toStatus(err);
      const code = status.code ?? 500;
      if (code >= 500) deps.log.error({ err, url: req.url }, 'streaming request failed');
      else deps.log.info({ url: req.url, code, ms: Math.round(performance.now() - started) }, 'streaming request refused');
      deps.onSession?.(subresource, code);
      audit(code);
      refuseUpgrade(socket, code, JSON.stringify(status), 'application/json');
    });
  };
}
