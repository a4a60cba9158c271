import type { KubeObject } from '@skiff/apimachinery';
import type { RemoteCommandOptions, RemoteCommandStreams } from '@skiff/streaming';
import type { Mount } from '../pods/podVolumes.js';
import type { Container, PodRef } from '../pods/podSpec.js';

/**
 * The container runtime interface the pod workers drive. Two drivers exist: `process` (a
 * container is a process tree, sandboxed with bubblewrap where the host allows) and `cri` (OCI
 * containers from images, through a CRI runtime such as containerd, each pod in its own network
 * namespace).
 */

export type IsolationMode = 'bubblewrap' | 'none' | 'container';

/** What the agent records about a container a CRI runtime runs. */
export interface CriContainerRecord {
  isolation: 'container';
  containerId: string;
  sandboxId: string;
}

/** What a later agent needs to find a run again: a process, or a CRI container. */
export type RuntimeRecord = ProcessRecord | CriContainerRecord;

export function isCriRecord(r: RuntimeRecord): r is CriContainerRecord {
  return r.isolation === 'container';
}

/** What the agent records about a running container so that a later agent can find it again. */
export interface ProcessRecord {
  isolation: 'bubblewrap' | 'none';
  /** The process the agent spawned: bubblewrap's monitor, or the command itself. */
  pid: number;
  /** Its start time in clock ticks since boot (/proc/PID/stat field 22): tells it apart from a reused pid. */
  procStart: number;
  /** bubblewrap: the sandbox's init (a host pid); its process group holds the command. */
  sandboxPid?: number;
  /** bubblewrap: its --json-status-fd output, which ends with the exit code. */
  statusFile?: string;
  /** The container's memory cgroup directory, when the host lets the agent create one. */
  cgroup?: string;
}

export interface ContainerLaunch {
  pod: PodRef;
  /** The sandbox's hostname: the pod's name (or spec.hostname). */
  hostname: string;
  containerName: string;
  /** command + args, already expanded; run as an argv, never through a shell. */
  argv: string[];
  env: Record<string, string>;
  workingDir?: string;
  mounts: Mount[];
  memoryLimitBytes?: number;
  /** stdout and stderr are appended here by the process itself (the agent holds no pipe). */
  logFile: string;
  /** Scratch space for this container: status files, and the plain runtime's stand-in root. */
  containerDir: string;
  /** Unique per run. */
  runId: string;
  /** Runtimes that run images (CRI) build the container from the spec itself. */
  spec?: {
    pod: KubeObject;
    container: Container;
    /** command and args after $(VAR) expansion, kept apart: the image's entrypoint/cmd fill in what is absent. */
    command?: string[];
    args?: string[];
    /** The restart count of this run. */
    attempt: number;
    /** The image reference as resolved by the pull (digest), when there was one. */
    imageRef?: string;
    sandboxId: string;
    /** An ephemeral container's target (`targetContainerName`): it joins that container's process namespace. */
    targetRecord?: RuntimeRecord;
  };
}

export type ExitReason = 'Completed' | 'Error' | 'OOMKilled' | 'StartError' | 'ContainerStatusUnknown';

export interface ContainerExit {
  exitCode: number;
  reason: ExitReason;
  message?: string;
  finishedAt: Date;
}

export interface RunningContainer {
  readonly record: RuntimeRecord;
  /** The status's containerID (`containerd://<id>`, `process://<run id>`). */
  readonly containerID?: string;
  /** The status's imageID, when the runtime ran an image. */
  readonly imageID?: string;
  /** Settles once every process of the container is gone. Never rejects. */
  readonly exited: Promise<ContainerExit>;
  signal(sig: 'SIGTERM' | 'SIGKILL'): void;
}

export interface ExecRequest {
  /** The container to run in; without one (not running) the command runs beside it. */
  record?: RuntimeRecord;
  argv: string[];
  env: Record<string, string>;
  workingDir?: string;
  mounts: Mount[];
  containerDir: string;
  timeoutMs: number;
}

export interface ExecResult {
  exitCode: number;
  output: string;
  timedOut: boolean;
}

/** A pod's sandbox as a runtime made it: its id and the address its network namespace got. */
export interface PodSandboxInfo {
  id: string;
  podIP: string;
}

/**
 * Pod sandboxes, for runtimes that give each pod its own network namespace (CRI). The process
 * runtime has none: pods share the host's network and get addresses from the agent's allocator.
 */
export interface SandboxService {
  /** Creates the sandbox, or finds the ready one a previous agent created for this pod. */
  runPodSandbox(pod: KubeObject, opts: { logDirectory: string; hostname: string; clusterDns: string }): Promise<PodSandboxInfo>;
  /** Stops and removes the pod's sandboxes (every container in them, the network namespace). */
  removePodSandboxes(podUid: string): Promise<void>;
  /** The uids of pods that have a sandbox (the orphan sweep). */
  podUids(): Promise<Set<string>>;
}

/** Images, for runtimes that run them. */
export interface ImageService {
  /** The image's id (`sha256:...`) and user, or undefined when it is not on the node. */
  imageStatus(image: string): Promise<{ id: string; size: number; uid?: number; username?: string } | undefined>;
  /** Pulls the image; resolves to its id. Throws on failure with the registry's message. */
  pullImage(image: string, auth?: { username?: string; password?: string; auth?: string; serverAddress?: string }): Promise<string>;
  /** Every image on the node (Node status images). */
  listImages(): Promise<{ id: string; names: string[]; sizeBytes: number; pinned: boolean }[]>;
  /** Image ids that containers (in any state) use, and the pod sandbox image's. */
  imagesInUse(): Promise<Set<string>>;
  removeImage(id: string): Promise<void>;
  /** Where the runtime keeps images (image GC measures that filesystem). */
  imageFsMountpoint(): Promise<string | undefined>;
}

/** What an exec or attach session streams (kubectl's -i, -t, and the output it wants). */
export type StreamOptions = RemoteCommandOptions;

/**
 * Interactive sessions through the runtime's own streaming server (the CRI's Exec, Attach and
 * PortForward calls answer a one-time URL that serves SPDY and WebSocket sessions).
 */
export interface StreamingService {
  execUrl(record: RuntimeRecord, cmd: string[], opts: StreamOptions): Promise<string>;
  attachUrl(record: RuntimeRecord, opts: StreamOptions): Promise<string>;
  portForwardUrl(sandboxId: string, ports: number[]): Promise<string>;
}

/** A running container's usage now: cumulative cpu and current memory (the kubelet's stats). */
export interface ContainerUsage {
  /** Cumulative cpu time (ns). */
  cpuNs: number;
  /** Memory the container cannot give back without swapping or dying: usage minus inactive page cache. */
  workingSetBytes: number;
  usageBytes?: number;
  rssBytes?: number;
}

export interface ContainerRuntime {
  readonly name: string;
  /** Node status nodeInfo.containerRuntimeVersion: `containerd://1.6.20`, `process://bubblewrap`. */
  readonly version: string;
  readonly isolation: IsolationMode;
  /** Why pods are not isolated, when they are not; how they are, when they are. */
  readonly isolationMessage: string;
  /** How the runtime writes container logs: raw bytes (the process writes them) or the CRI log format. */
  readonly logFormat: 'raw' | 'cri';
  readonly sandboxes?: SandboxService;
  readonly images?: ImageService;
  readonly streaming?: StreamingService;
  /** Starts a container. Failing to start is reported through `exited` (reason StartError), not thrown. */
  start(launch: ContainerLaunch): Promise<RunningContainer>;
  /** Reattaches to a container a previous agent started: running, or how it ended. */
  adopt(record: RuntimeRecord): Promise<RunningContainer | ContainerExit>;
  /** Runs a command inside a container's sandbox (exec probes). */
  exec(req: ExecRequest): Promise<ExecResult>;
  /** Runtimes without a streaming server run `kubectl exec` sessions themselves. */
  execSession?(req: Omit<ExecRequest, 'timeoutMs'>, opts: StreamOptions): RemoteCommandStreams;
  /** The usage of these running containers, in the same order (undefined: not measurable now). */
  usage(records: RuntimeRecord[]): Promise<(ContainerUsage | undefined)[]>;
  /** A runtime that writes container logs itself reopens the file once it has been renamed (log rotation). */
  reopenContainerLog?(record: RuntimeRecord): Promise<void>;
  /** Removes what a finished run leaves behind (its cgroup, its container). */
  release(record: RuntimeRecord): void;
  /** Stops watching adopted processes (agent shutdown); the processes themselves are left alone. */
  close(): void;
}
