import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer, type WebSocket } from 'ws';
import {
  bridgeRemoteCommandWebSocket,
  dialSpdyRemoteCommand,
  dialUpgrade,
  pickChannelProtocol,
  proxyUpgrade,
  refuseUpgrade,
  type ChannelProtocol,
} from '@skiff/streaming';
import type { StreamTarget } from '../pods/podManager.js';
import { channelPortForward, spdyPortForward, tunnelledSpdyPortForward } from './portForwardDirect.js';
import type { ContainerRuntime, StreamOptions } from '../runtime/runtime.js';

/**
 * The agent's streaming endpoints, at kubelet's paths (the API server proxies `pods/exec`,
 * `pods/attach` and `pods/portforward` here):
 *   /exec/{namespace}/{pod}/{container}?command=...&stdin=1&stdout=1&stderr=1&tty=1
 *   /attach/{namespace}/{pod}/{container}?stdin=1&stdout=1&...
 *   /portForward/{namespace}/{pod}
 *
 * The container runtime's streaming server does the work (runs the command with a TTY, enters the
 * pod's network namespace); the agent gets a one-time URL from it and either splices the client's
 * connection through unchanged (SPDY; WebSocket port-forward), or speaks the protocols the runtime
 * lacks itself: the v5 WebSocket remotecommand protocol (stdin close, which `kubectl cp` needs),
 * translated to SPDY towards the runtime, and port-forward's SPDY tunnelled in WebSocket messages.
 */

export const SPDY_TUNNEL_PORTFORWARD_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';

/** kubelet's WebSocket port-forward protocols (the unversioned name is what old clients send). */
const PORTFORWARD_WEBSOCKET_PROTOCOLS: ChannelProtocol[] = [
  { name: 'v4.channel.k8s.io', base64: false, version: 4 },
  { name: 'v4.base64.channel.k8s.io', base64: true, version: 4 },
  { name: 'portforward.k8s.io', base64: false, version: 1 },
  { name: 'channel.k8s.io', base64: false, version: 1 },
  { name: 'base64.channel.k8s.io', base64: true, version: 1 },
];

export interface StreamingDeps {
  /** Undefined on simulated nodes, which run nothing. */
  runtime: ContainerRuntime | undefined;
  target(namespace: string, pod: string, container?: string): StreamTarget;
  log: Logger;
}

function flag(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  return v !== null && /^(1|t|true)$/i.test(v);
}

export function streamOptions(q: URLSearchParams): StreamOptions {
  return { stdin: flag(q, 'stdin'), stdout: flag(q, 'stdout'), stderr: flag(q, 'stderr'), tty: flag(q, 'tty') };
}

function offeredProtocols(req: IncomingMessage): string[] {
  return (req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

export function isStreamingPath(pathname: string): boolean {
  return /^\/(exec|attach|portForward)\//.test(pathname);
}

export function createStreamingHandler(deps: StreamingDeps): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });

  // The subprotocol is chosen before the handshake. It is answered through the `headers` hook
  // rather than ws's own negotiation, which refuses kubectl's `SPDY/3.1+portforward.k8s.io`
  // (a `/` is not a token character; Go's WebSocket libraries allow it).
  const chosen = new WeakMap<IncomingMessage, string>();
  wss.on('headers', (headers: string[], req: IncomingMessage) => {
    const protocol = chosen.get(req);
    if (protocol) headers.push(`Sec-WebSocket-Protocol: ${protocol}`);
  });
  const accept = (req: IncomingMessage, socket: Duplex, head: Buffer, protocol: string): Promise<WebSocket> =>
    new Promise((resolve) => {
      chosen.set(req, protocol);
      delete req.headers['sec-websocket-protocol'];
      wss.handleUpgrade(req, socket, head, (ws) => resolve(ws));
    });

  /** Process pods: the agent runs the command itself (WebSocket clients: kubectl 1.30+ and the client libraries). */
  const execDirectly = async (req: IncomingMessage, socket: Duplex, head: Buffer, kind: string, command: string[], opts: StreamOptions, target: Extract<StreamTarget, { ok: true }>) => {
    const runtime = deps.runtime!;
    if (kind !== 'exec' || !runtime.execSession) {
      return refuseUpgrade(socket, 400, `the ${runtime.name} runtime cannot attach to a running container: its processes write their output to files and keep no stdin open\n`);
    }
    if ((req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      return refuseUpgrade(socket, 400, `exec into ${runtime.name} pods is served over WebSockets only (kubectl 1.30 or later)\n`);
    }
    const proto = pickChannelProtocol(offeredProtocols(req));
    if (!proto) return refuseUpgrade(socket, 400, `none of the offered WebSocket protocols is supported: ${offeredProtocols(req).join(', ') || '(none)'}\n`);
    const execReq = await target.execRequest?.(command);
    if (!execReq) return refuseUpgrade(socket, 400, 'the container is not running\n');
    const ws = await accept(req, socket, head, proto.name);
    await bridgeRemoteCommandWebSocket(ws, proto, runtime.execSession(execReq, opts));
  };

  /** Pods without a runtime streaming server share the host's network: connect to the pod's IP. */
  const forwardDirectly = async (req: IncomingMessage, socket: Duplex, head: Buffer, podIP: string | undefined, ports: number[]) => {
    if (!podIP) return refuseUpgrade(socket, 400, 'the pod has no IP address yet\n');
    const log = deps.log.child({ session: 'portForward', podIP });
    if ((req.headers.upgrade ?? '').toLowerCase() === 'websocket') {
      const offered = offeredProtocols(req);
      if (offered.includes(SPDY_TUNNEL_PORTFORWARD_PROTOCOL)) return tunnelledSpdyPortForward(await accept(req, socket, head, SPDY_TUNNEL_PORTFORWARD_PROTOCOL), podIP, log);
      const proto = pickChannelProtocol(offered, PORTFORWARD_WEBSOCKET_PROTOCOLS);
      if (!proto) return refuseUpgrade(socket, 400, `none of the offered WebSocket protocols is supported: ${offered.join(', ') || '(none)'}\n`);
      if (ports.length === 0) return refuseUpgrade(socket, 400, 'query parameter "port" is required\n');
      return channelPortForward(await accept(req, socket, head, proto.name), proto, podIP, ports, log);
    }
    const versions = String(req.headers['x-stream-protocol-version'] ?? '').split(',').map((v) => v.trim());
    if (!versions.includes('portforward.k8s.io')) return refuseUpgrade(socket, 400, 'unsupported port-forward protocol; expected portforward.k8s.io\n');
    socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n');
    if (head.length) socket.unshift(head);
    spdyPortForward(socket, podIP, log);
  };

  return (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://agent');
    const parts = url.pathname.split('/').slice(1).map(decodeURIComponent);
    const kind = parts[0] as 'exec' | 'attach' | 'portForward';
    const [namespace, pod, container] = parts.slice(1);
    const q = url.searchParams;
    const websocket = (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
    const log = deps.log.child({ pod: `${namespace}/${pod}`, container, session: kind, transport: websocket ? 'websocket' : 'spdy' });
    const fail = (status: number, message: string) => {
      log.info({ status, err: message }, 'streaming session refused');
      refuseUpgrade(socket, status, `${message}\n`);
    };
    const runtime = deps.runtime;
    if (!runtime) return fail(400, `this node is simulated and runs no ${kind} sessions`);
    const streaming = runtime.streaming;

    void (async () => {
      if (kind === 'portForward') {
        if (!namespace || !pod || parts.length !== 3) return fail(404, 'expected /portForward/{namespace}/{pod}');
        const target = deps.target(namespace, pod);
        if (!target.ok) return fail(target.status, target.message);
        // kubelet's parameter is `port`; the API's PodPortForwardOptions call it `ports` (comma-separated too).
        const ports = [...q.getAll('port'), ...q.getAll('ports')].flatMap((v) => v.split(',')).map(Number);
        if (ports.some((p) => !Number.isInteger(p) || p < 1 || p > 65535)) return fail(400, `invalid port in ${url.search}`);
        if (!streaming) return forwardDirectly(req, socket, head, target.podIP, ports);
        if (!target.sandboxId) return fail(400, `pod ${pod} has no sandbox yet`);
        const runtimeUrl = await streaming.portForwardUrl(target.sandboxId, ports);
        log.info({ ports }, 'port-forward session');
        if (websocket && offeredProtocols(req).includes(SPDY_TUNNEL_PORTFORWARD_PROTOCOL)) {
          const { socket: upstream } = await dialUpgrade({ url: runtimeUrl, headers: { upgrade: 'SPDY/3.1', 'x-stream-protocol-version': 'portforward.k8s.io' } });
          const ws = await accept(req, socket, head, SPDY_TUNNEL_PORTFORWARD_PROTOCOL);
          tunnel(ws, upstream);
          return;
        }
        const withPorts = new URL(runtimeUrl);
        for (const p of ports) withPorts.searchParams.append('port', String(p));
        return proxyUpgrade(req, socket, head, { url: withPorts.toString(), replaceQuery: true }, (err) => log.warn({ err: err.message }, 'port-forward proxy failed'));
      }

      if (kind !== 'exec' && kind !== 'attach') return fail(404, '404 page not found');
      if (!namespace || !pod || !container || parts.length !== 4) return fail(404, `expected /${kind}/{namespace}/{pod}/{container}`);
      const target = deps.target(namespace, pod, container);
      if (!target.ok) return fail(target.status, target.message);
      const opts = streamOptions(q);
      if (!opts.stdin && !opts.stdout && !opts.stderr) return fail(400, 'you must specify at least one of stdin, stdout, stderr');
      const command = q.getAll('command');
      if (kind === 'exec' && command.length === 0) return fail(400, 'you must specify at least one command for the container');
      if (kind === 'attach') {
        if (opts.stdin && !target.container?.stdin) return fail(400, `container ${container} in pod ${pod} does not accept stdin (spec.containers[].stdin is false)`);
        if (opts.tty && !target.container?.tty) opts.tty = false;
      }
      if (!streaming) return execDirectly(req, socket, head, kind, command, opts, target);
      const runtimeUrl = kind === 'exec' ? await streaming.execUrl(target.record!, command, opts) : await streaming.attachUrl(target.record!, opts);
      log.info({ command, tty: opts.tty, stdin: opts.stdin }, `${kind} session`);
      if (!websocket) return proxyUpgrade(req, socket, head, { url: runtimeUrl }, (err) => log.warn({ err: err.message }, `${kind} proxy failed`));

      const proto: ChannelProtocol | undefined = pickChannelProtocol(offeredProtocols(req));
      if (!proto) return fail(400, `none of the offered WebSocket protocols is supported: ${offeredProtocols(req).join(', ') || '(none)'}`);
      const streams = await dialSpdyRemoteCommand(runtimeUrl, opts);
      const ws = await accept(req, socket, head, proto.name);
      await bridgeRemoteCommandWebSocket(ws, proto, streams);
      log.info(`${kind} session ended`);
    })().catch((err: Error) => fail(500, err.message));
  };
}

/** Port-forward's SPDY session tunnelled through WebSocket binary messages, spliced to the runtime's SPDY connection. */
function tunnel(ws: WebSocket, upstream: Duplex): void {
  ws.on('message', (data: Buffer) => upstream.write(data));
  upstream.on('data', (chunk: Buffer) => {
    if (ws.readyState !== ws.OPEN) return;
    upstream.pause();
    ws.send(chunk, { binary: true }, () => upstream.resume());
  });
  const close = () => {
    upstream.destroy();
    if (ws.readyState === ws.OPEN) ws.close(1000);
  };
  ws.on('close', close);
  ws.on('error', close);
  upstream.on('close', close);
  upstream.on('error', close);
}
