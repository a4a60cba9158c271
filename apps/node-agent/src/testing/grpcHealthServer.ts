import * as grpc from '@grpc/grpc-js';
import { healthService } from '../probes/grpcProbe.js';

export interface GrpcHealthServer {
  port: number;
  /** Service name ('' is the server as a whole) to its status; a name not here answers NOT_FOUND, as grpc-go's health server does. */
  statuses: Map<string, string>;
  /** Check calls for these services get no answer at all. */
  hanging: Set<string>;
  close(): Promise<void>;
}

/** A real gRPC server speaking grpc.health.v1 (or, with `health: false`, no service at all) on host:0. */
export async function startGrpcHealthServer(host: string, opts: { health?: boolean } = {}): Promise<GrpcHealthServer> {
  const server = new grpc.Server();
  const statuses = new Map<string, string>();
  const hanging = new Set<string>();
  if (opts.health !== false) {
    server.addService(healthService().service, {
      Check(call: grpc.ServerUnaryCall<{ service: string }, unknown>, callback: grpc.sendUnaryData<{ status: string }>) {
        const service = call.request.service;
        if (hanging.has(service)) return;
        const status = statuses.get(service);
        if (status === undefined) callback({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
        else callback(null, { status });
      },
    });
  }
  const port = await new Promise<number>((resolve, reject) => server.bindAsync(`${host}:0`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return {
    port,
    statuses,
    hanging,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
