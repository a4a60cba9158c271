import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type * as cri from './criTypes.js';

const PROTO = fileURLToPath(new URL('./runtime-v1.proto', import.meta.url));

let loaded: grpc.GrpcObject | undefined;
function services(): { runtime: grpc.ServiceClientConstructor; image: grpc.ServiceClientConstructor } {
  loaded ??= grpc.loadPackageDefinition(
    protoLoader.loadSync(PROTO, { keepCase: false, longs: Number, enums: String, defaults: true, arrays: true, objects: false }),
  );
  const v1 = (loaded.runtime as grpc.GrpcObject).v1 as grpc.GrpcObject;
  return { runtime: v1.RuntimeService as grpc.ServiceClientConstructor, image: v1.ImageService as grpc.ServiceClientConstructor };
}

/** A CRI call that failed: the gRPC status code and the runtime's message. */
export class CriError extends Error {
  constructor(
    readonly method: string,
    readonly code: grpc.status,
    readonly details: string,
  ) {
    super(`${method}: ${details || grpc.status[code]}`);
    this.name = 'CriError';
  }

  get notFound(): boolean {
    return this.code === grpc.status.NOT_FOUND || /not found/i.test(this.details);
  }
}

export interface CriClientOptions {
  /** `unix:///run/containerd/containerd.sock`, or a plain socket path. */
  endpoint: string;
  /** Per-call deadline unless a call gives its own (default 2 minutes: pulls and sandbox starts are slow). */
  timeoutMs?: number;
}

/**
 * The kubelet's view of a container runtime: the CRI's RuntimeService and ImageService over gRPC
 * on a unix socket, one promise per call. Any CRI runtime answers (containerd's CRI plugin, CRI-O).
 */
export class CriClient {
  readonly endpoint: string;
  private readonly runtime: grpc.Client;
  private readonly image: grpc.Client;
  private readonly timeoutMs: number;

  constructor(opts: CriClientOptions) {
    this.endpoint = opts.endpoint.startsWith('unix:') ? opts.endpoint : `unix://${opts.endpoint}`;
    this.timeoutMs = opts.timeoutMs ?? 120_000;
    const { runtime, image } = services();
    const creds = grpc.credentials.createInsecure();
    const options = { 'grpc.max_receive_message_length': 16 * 1024 * 1024 };
    this.runtime = new runtime(this.endpoint, creds, options);
    this.image = new image(this.endpoint, creds, options);
  }

  private call<Req, Res>(client: grpc.Client, method: string, req: Req, timeoutMs?: number): Promise<Res> {
    const deadline = new Date(Date.now() + (timeoutMs ?? this.timeoutMs));
    return new Promise((resolve, reject) => {
      const fn = (client as unknown as Record<string, (r: Req, m: grpc.Metadata, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, v: Res) => void) => void>)[method];
      fn.call(client, req, new grpc.Metadata(), { deadline }, (err, value) => {
        if (err) reject(new CriError(method, err.code, err.details));
        else resolve(value);
      });
    });
  }

  version(): Promise<cri.VersionResponse> {
    return this.call(this.runtime, 'version', { version: 'v1' });
  }

  /** The runtime's conditions; `verbose` adds its configuration in `info` (containerd: `info.config`, JSON). */
  status(verbose = false): Promise<cri.StatusResponse> {
    return this.call(this.runtime, 'status', { verbose });
  }

  async runPodSandbox(config: cri.PodSandboxConfig, runtimeHandler = ''): Promise<string> {
    const res = await this.call<unknown, { podSandboxId: string }>(this.runtime, 'runPodSandbox', { config, runtimeHandler });
    return res.podSandboxId;
  }

  async stopPodSandbox(podSandboxId: string): Promise<void> {
    await this.call(this.runtime, 'stopPodSandbox', { podSandboxId });
  }

  async removePodSandbox(podSandboxId: string): Promise<void> {
    await this.call(this.runtime, 'removePodSandbox', { podSandboxId });
  }

  async podSandboxStatus(podSandboxId: string): Promise<cri.PodSandboxStatus> {
    const res = await this.call<unknown, { status: cri.PodSandboxStatus }>(this.runtime, 'podSandboxStatus', { podSandboxId, verbose: false });
    return res.status;
  }

  async listPodSandbox(filter: cri.PodSandboxFilter = {}): Promise<cri.PodSandbox[]> {
    const res = await this.call<unknown, { items: cri.PodSandbox[] }>(this.runtime, 'listPodSandbox', { filter });
    return res.items;
  }

  async createContainer(podSandboxId: string, config: cri.ContainerConfig, sandboxConfig: cri.PodSandboxConfig): Promise<string> {
    const res = await this.call<unknown, { containerId: string }>(this.runtime, 'createContainer', { podSandboxId, config, sandboxConfig });
    return res.containerId;
  }

  async startContainer(containerId: string): Promise<void> {
    await this.call(this.runtime, 'startContainer', { containerId });
  }

  /** Stops a container: its stop signal, then SIGKILL after `timeoutSeconds` (0: at once). */
  async stopContainer(containerId: string, timeoutSeconds: number): Promise<void> {
    await this.call(this.runtime, 'stopContainer', { containerId, timeout: timeoutSeconds }, (timeoutSeconds + 30) * 1000);
  }

  async removeContainer(containerId: string): Promise<void> {
    await this.call(this.runtime, 'removeContainer', { containerId });
  }

  async listContainers(filter: cri.ContainerFilter = {}): Promise<cri.Container[]> {
    const res = await this.call<unknown, { containers: cri.Container[] }>(this.runtime, 'listContainers', { filter });
    return res.containers;
  }

  async containerStatus(containerId: string): Promise<cri.ContainerStatus> {
    const res = await this.call<unknown, { status: cri.ContainerStatus }>(this.runtime, 'containerStatus', { containerId, verbose: false });
    return res.status;
  }

  /** Usage of the containers the filter picks (the kubelet's CRI stats provider). */
  async listContainerStats(filter: cri.ContainerStatsFilter = {}): Promise<cri.ContainerStats[]> {
    const res = await this.call<unknown, { stats: cri.ContainerStats[] }>(this.runtime, 'listContainerStats', { filter }, 30_000);
    return res.stats;
  }

  async reopenContainerLog(containerId: string): Promise<void> {
    await this.call(this.runtime, 'reopenContainerLog', { containerId });
  }

  /** Runs a command in a running container and waits for it (exec probes, hooks). */
  async execSync(containerId: string, cmd: string[], timeoutSeconds: number): Promise<{ stdout: Buffer; stderr: Buffer; exitCode: number }> {
    return this.call(this.runtime, 'execSync', { containerId, cmd, timeout: timeoutSeconds }, (timeoutSeconds + 10) * 1000);
  }

  /** The URL of a streaming session that runs CMD in the container (kubectl exec). */
  async exec(req: { containerId: string; cmd: string[]; tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }): Promise<string> {
    const res: { url: string } = await this.call(this.runtime, 'exec', req);
    return res.url;
  }

  /** The URL of a streaming session attached to the container's main process (kubectl attach). */
  async attach(req: { containerId: string; tty: boolean; stdin: boolean; stdout: boolean; stderr: boolean }): Promise<string> {
    const res: { url: string } = await this.call(this.runtime, 'attach', req);
    return res.url;
  }

  /** The URL of a streaming session that forwards ports into the sandbox's network namespace. */
  async portForward(podSandboxId: string, ports: number[]): Promise<string> {
    const res: { url: string } = await this.call(this.runtime, 'portForward', { podSandboxId, port: ports });
    return res.url;
  }

  async listImages(): Promise<cri.Image[]> {
    const res = await this.call<unknown, { images: cri.Image[] }>(this.image, 'listImages', { filter: {} });
    return res.images;
  }

  /** The image as the runtime has it, or undefined when it has not been pulled. */
  async imageStatus(image: string): Promise<cri.Image | undefined> {
    const res = await this.call<unknown, { image: cri.Image | null }>(this.image, 'imageStatus', { image: { image }, verbose: false });
    return res.image ?? undefined;
  }

  async pullImage(image: string, auth?: cri.AuthConfig, sandboxConfig?: cri.PodSandboxConfig): Promise<string> {
    const res = await this.call<unknown, { imageRef: string }>(this.image, 'pullImage', { image: { image }, auth, sandboxConfig }, 600_000);
    return res.imageRef;
  }

  async removeImage(image: string): Promise<void> {
    await this.call(this.image, 'removeImage', { image: { image } });
  }

  async imageFsInfo(): Promise<cri.FilesystemUsage[]> {
    const res = await this.call<unknown, { imageFilesystems: cri.FilesystemUsage[] }>(this.image, 'imageFsInfo', {});
    return res.imageFilesystems;
  }

  close(): void {
    this.runtime.close();
    this.image.close();
  }
}
