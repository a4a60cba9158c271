import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { redactToken } from '../statusAccess.js';
import { AuditFile, type AuditFileOptions } from './auditFile.js';
import { requestInfo, type ObjectReference } from './requestInfo.js';

/** One line of the audit log, as kube-apiserver's log backend writes an `audit.k8s.io/v1` Event at level Metadata. */
export interface AuditEvent {
  kind: 'Event';
  apiVersion: 'audit.k8s.io/v1';
  level: 'Metadata';
  auditID: string;
  stage: 'ResponseComplete';
  requestURI: string;
  verb: string;
  user: { username: string; groups?: string[] };
  sourceIPs: string[];
  userAgent?: string;
  objectRef?: ObjectReference;
  responseStatus: { metadata: Record<string, never>; code: number };
  requestReceivedTimestamp: string;
  stageTimestamp: string;
}

/** What an audit event is made of; the request body is never part of it (level Metadata). */
export interface AuditedRequest {
  method: string;
  url: string;
  user?: { name: string; groups: string[] };
  remoteAddress?: string;
  forwardedFor?: string;
  userAgent?: string;
  statusCode: number;
  receivedAt: Date;
  completedAt: Date;
}

/** RFC 3339 with microseconds, as Kubernetes' MicroTime prints. */
function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

/** The audit event of a completed request (pure). `system:anonymous` for a request without a user, as Kubernetes names it. */
export function auditEvent(r: AuditedRequest, auditID: string = randomUUID()): AuditEvent {
  const { verb, objectRef } = requestInfo(r.method, r.url);
  // X-Forwarded-For first (the client a proxy saw), then the peer, as kube-apiserver lists them.
  const forwarded = (r.forwardedFor ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const peer = r.remoteAddress?.replace(/^::ffff:/, '');
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: 'Metadata',
    auditID,
    stage: 'ResponseComplete',
    requestURI: r.url,
    verb,
    user: r.user ? { username: r.user.name, groups: r.user.groups } : { username: 'system:anonymous', groups: ['system:unauthenticated'] },
    sourceIPs: [...new Set([...forwarded, ...(peer ? [peer] : [])])],
    ...(r.userAgent ? { userAgent: r.userAgent } : {}),
    ...(objectRef ? { objectRef } : {}),
    responseStatus: { metadata: {}, code: r.statusCode },
    requestReceivedTimestamp: microTime(r.receivedAt),
    stageTimestamp: microTime(r.completedAt),
  };
}

export type AuditLogOptions = AuditFileOptions;

/** Writes one request's audit line (what the router never sees, exec/attach/port-forward upgrades, calls it directly). */
export type AuditWriter = (r: AuditedRequest, auditID?: string) => void;

/**
 * The API server's audit log (`--audit-log-path`): one line per request, written when its
 * response is closed, so that watches, log follows and the status stream (replies the handler
 * takes over) are recorded when they end, like the rest. Returns the writer for requests outside
 * the router: exec, attach and port-forward sessions, recorded when they end.
 */
export function registerAuditLog(app: FastifyInstance, opts: AuditLogOptions): AuditWriter {
  // In a listener a throw would end the process; a full disk costs audit lines, not the API.
  const file = new AuditFile({ ...opts, onError: (err) => app.log.error({ err: err.message }, 'writing the audit log failed') });
  const now = opts.now ?? (() => new Date());
  const write: AuditWriter = (r, auditID) => {
    file.write(JSON.stringify(auditEvent(r, auditID)));
  };
  app.addHook('onRequest', async (req, reply) => {
    const receivedAt = now();
    // A caller's own Audit-ID (a proxy's) is kept, as kube-apiserver does; either way the response names it.
    const auditID = header(req.headers['audit-id']) || randomUUID();
    void reply.header('Audit-Id', auditID);
    reply.raw.once('close', () =>
      write(
        {
          method: req.method,
          // The status page's `?token=` stays out of the file.
          url: redactToken(req.url),
          user: req.principal,
          remoteAddress: req.socket.remoteAddress,
          forwardedFor: header(req.headers['x-forwarded-for']),
          userAgent: header(req.headers['user-agent']),
          statusCode: reply.raw.statusCode,
          receivedAt,
          completedAt: now(),
        },
        auditID,
      ),
    );
  });
  app.addHook('onClose', async () => file.close());
  return (r, auditID) => write({ ...r, completedAt: now() }, auditID);
}

export function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(',') : v;
}
