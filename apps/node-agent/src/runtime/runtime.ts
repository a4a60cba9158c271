import type { Mount } from '../pods/podVolumes.js';
import type { PodRef } from '../pods/podSpec.js';

/**
 * The container runtime interface the pod workers drive. One driver exists, `process`: a
 * container is a process tree (sandboxed with bubblewrap where the host allows). Another driver
 * (OCI, through runc or podman) would implement the same calls.
 */

export type IsolationMode = 'bubblewrap' | 'none';

/** What the agent records about a running container so that a later agent can find it again. */
export interface ProcessRecord {
  isolation: IsolationMode;
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
}

export type ExitReason = 'Completed' | 'Error' | 'OOMKilled' | 'StartError' | 'ContainerStatusUnknown';

export interface ContainerExit {
  exitCode: number;
  reason: ExitReason;
  message?: string;
  finishedAt: Date;
}

export interface RunningContainer {
  readonly record: ProcessRecord;
  /** Settles once every process of the container is gone. Never rejects. */
  readonly exited: Promise<ContainerExit>;
  signal(sig: 'SIGTERM' | 'SIGKILL'): void;
}

export interface ExecRequest {
  /** The container to run in; without one (not running) the command runs beside it. */
  record?: ProcessRecord;
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

export interface ContainerRuntime {
  readonly name: string;
  readonly isolation: IsolationMode;
  /** Why pods are not isolated, when they are not; how they are, when they are. */
  readonly isolationMessage: string;
  /** Starts a container. Failing to start is reported through `exited` (reason StartError), not thrown. */
  start(launch: ContainerLaunch): RunningContainer;
  /** Reattaches to a container a previous agent started: running, or how it ended. */
  adopt(record: ProcessRecord): RunningContainer | ContainerExit;
  /** Runs a command inside a container's sandbox (exec probes). */
  exec(req: ExecRequest): Promise<ExecResult>;
  /** Removes what a finished run leaves behind (its cgroup). */
  release(record: ProcessRecord): void;
  /** Stops watching adopted processes (agent shutdown); the processes themselves are left alone. */
  close(): void;
}
