import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProbeOutcome } from './prober.js';

/**
 * kubelet's gRPC probe: one `grpc.health.v1.Health/Check` call for `service` on the pod's address,
 * plaintext, connecting and calling within the probe's timeout. Only SERVING passes; every other
 * answer or error fails with the message kubelet writes (pkg/probe/grpc), which users see in the
 * `Unhealthy` events.
 */

export const HEALTH_PROTO = fileURLToPath(new URL('./health.proto', import.meta.url));

const USER_AGENT = 'kube-probe/1.32';

let healthClient: grpc.ServiceClientConstructor | undefined;

/** The grpc.health.v1.Health service, loaded once from health.proto. */
export function healthService(): grpc.ServiceClientConstructor {
  if (!healthClient) {
    const root = grpc.loadPackageDefinition(protoLoader.loadSync(HEALTH_PROTO, { enums: String, defaults: true }));
    const v1 = ((root.grpc as grpc.GrpcObject).health as grpc.GrpcObject).v1 as grpc.GrpcObject;
    healthClient = v1.Health as grpc.ServiceClientConstructor;
  }
  return healthClient;
}

interface HealthCheckResponse {
  status: string;
}

export async function grpcProbe(host: string, port: number, service: string, timeoutMs: number): Promise<ProbeOutcome> {
  const Health = healthService();
  // Go's net.JoinHostPort: IPv6 addresses in brackets.
  const addr = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const within = goDuration(timeoutMs);
  const deadline = Date.now() + timeoutMs;
  const client = new Health(addr, grpc.credentials.createInsecure(), { 'grpc.primary_user_agent': USER_AGENT });
  try {
    // Like kubelet's blocking dial: a refused connection is retried until the deadline.
    const connected = await new Promise<Error | undefined>((resolve) => client.waitForReady(deadline, (err) => resolve(err ?? undefined)));
    if (connected) return { ok: false, message: `timeout: failed to connect service ${JSON.stringify(addr)} within ${within}: context deadline exceeded` };
    const reply = await new Promise<{ err: grpc.ServiceError | null; res?: HealthCheckResponse }>((resolve) =>
      client.Check({ service }, new grpc.Metadata(), { deadline }, (err: grpc.ServiceError | null, res?: HealthCheckResponse) => resolve({ err, res })),
    );
    if (reply.err) return { ok: false, message: rpcFailure(reply.err, within) };
    const status = reply.res?.status ?? 'UNKNOWN';
    if (status !== 'SERVING') return { ok: false, message: `service unhealthy (responded with ${JSON.stringify(status)})` };
    return { ok: true };
  } finally {
    client.close();
  }
}

function rpcFailure(err: grpc.ServiceError, within: string): string {
  if (err.code === grpc.status.UNIMPLEMENTED) return `error: this server does not implement the grpc health protocol (grpc.health.v1.Health): ${err.details}`;
  if (err.code === grpc.status.DEADLINE_EXCEEDED) return `timeout: health rpc did not complete within ${within}`;
  return `error: health rpc probe failed: rpc error: code = ${goCodeName(err.code)} desc = ${err.details}`;
}

/** grpc-js names codes NOT_FOUND; grpc-go (whose text kubelet prints) NotFound. */
function goCodeName(code: grpc.status): string {
  const name = grpc.status[code] ?? `Code(${code})`;
  if (code === grpc.status.CANCELLED) return 'Canceled';
  return name
    .toLowerCase()
    .split('_')
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('');
}

/**
 * A duration as Go's time.Duration prints it, for whole milliseconds: 1000 -> "1s",
 * 90000 -> "1m30s", 3600000 -> "1h0m0s", 1500 -> "1.5s", 500 -> "500ms".
 */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = String((ms % 60_000) / 1000);
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
