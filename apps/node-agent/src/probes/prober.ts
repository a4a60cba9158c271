import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:net';
import type { ExecResult } from '../runtime/runtime.js';
import type { Container, ProbeHandler } from '../pods/podSpec.js';
import { grpcProbe } from './grpcProbe.js';

/** Runs one probe (or lifecycle hook) handler against a container, as kubelet's prober does. */

export interface ProbeTarget {
  podIP: string;
  container: Container;
  exec(argv: string[], timeoutMs: number): Promise<ExecResult>;
}

export interface ProbeOutcome {
  ok: boolean;
  message?: string;
}

/** A probe port: a number, or the name of one of the container's ports. */
export function resolvePort(port: number | string, c: Container): number | undefined {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  return c.ports?.find((p) => p.name === port)?.containerPort;
}

function httpProbe(h: NonNullable<ProbeHandler['httpGet']>, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const port = resolvePort(h.port, target.container);
  if (port === undefined) return Promise.resolve({ ok: false, message: `unknown port ${String(h.port)}` });
  const https = (h.scheme ?? 'HTTP').toUpperCase() === 'HTTPS';
  const host = h.host || target.podIP;
  const path = h.path || '/';
  const url = `${https ? 'https' : 'http'}://${host}:${port}${path.startsWith('/') ? '' : '/'}${path}`;
  const headers: Record<string, string> = { 'user-agent': 'kube-probe/1.32', accept: '*/*' };
  for (const hd of h.httpHeaders ?? []) headers[hd.name.toLowerCase()] = hd.value;
  return new Promise((resolve) => {
    const req = (https ? httpsRequest : httpRequest)(url, { method: 'GET', headers, timeout: timeoutMs, rejectUnauthorized: false, agent: false }, (res) => {
      res.resume();
      const code = res.statusCode ?? 0;
      resolve(code >= 200 && code < 400 ? { ok: true } : { ok: false, message: `HTTP probe failed with statuscode: ${code}` });
    });
    req.on('timeout', () => req.destroy(new Error(`context deadline exceeded (Client.Timeout exceeded while awaiting headers)`)));
    req.on('error', (err) => resolve({ ok: false, message: `Get "${url}": ${err.message}` }));
    req.end();
  });
}

function tcpProbe(h: NonNullable<ProbeHandler['tcpSocket']>, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const port = resolvePort(h.port, target.container);
  if (port === undefined) return Promise.resolve({ ok: false, message: `unknown port ${String(h.port)}` });
  const host = h.host || target.podIP;
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ ok: false, message: `dial tcp ${host}:${port}: i/o timeout` });
    }, timeoutMs);
    socket.on('connect', () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ok: true });
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      resolve({ ok: false, message: `dial tcp ${host}:${port}: ${err.message}` });
    });
  });
}

async function execProbe(h: NonNullable<ProbeHandler['exec']>, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  const argv = h.command ?? [];
  if (argv.length === 0) return { ok: false, message: 'exec probe without a command' };
  const res = await target.exec(argv, timeoutMs);
  if (res.timedOut) return { ok: false, message: `command ${JSON.stringify(argv)} timed out after ${timeoutMs / 1000}s` };
  if (res.exitCode === 0) return { ok: true };
  return { ok: false, message: res.output.trim() || `command ${JSON.stringify(argv)} exited with ${res.exitCode}` };
}

export function runHandler(handler: ProbeHandler, target: ProbeTarget, timeoutMs: number): Promise<ProbeOutcome> {
  if (handler.httpGet) return httpProbe(handler.httpGet, target, timeoutMs);
  if (handler.tcpSocket) return tcpProbe(handler.tcpSocket, target, timeoutMs);
  if (handler.exec) return execProbe(handler.exec, target, timeoutMs);
  if ('grpc' in handler && handler.grpc) return grpcProbe(target.podIP, handler.grpc.port, handler.grpc.service ?? '', timeoutMs);
  // Validation admits no other handler; a hook with none has nothing to run.
  return Promise.resolve({ ok: true });
}
