import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../files.js';
import type { RuntimeRecord } from '../runtime/runtime.js';
import type { BackoffEntry } from './crashLoopBackoff.js';

/**
 * What the agent knows about a pod it runs, kept in the pod's directory so that an agent that
 * restarts finds its processes (to adopt them) and its counters (restartCount, backoff) again.
 */

/** core/v1 ContainerStateTerminated. */
export interface TerminatedState {
  exitCode: number;
  signal?: number;
  reason: string;
  message?: string;
  startedAt: string;
  finishedAt: string;
  containerID: string;
}

/** One run of a container: one process, one log file. */
export interface RunRecord {
  /** `process://<id>`, `containerd://<id>` */
  containerID: string;
  /** The image the run was started from (`sha256:...`), when the runtime runs images. */
  imageID?: string;
  startedAt: string;
  logFile: string;
  process?: RuntimeRecord;
  terminated?: TerminatedState;
  /** When the run ended, to the millisecond (status timestamps have whole seconds; backoff needs better). */
  finishedAtMs?: number;
}

export interface ContainerRecord {
  name: string;
  /** Runs started so far, minus one; 0 until the first restart. */
  restartCount: number;
  /** The latest run, running or finished. */
  current?: RunRecord;
  /** How the run before `current` ended (status.lastState.terminated). */
  lastTerminated?: TerminatedState;
  backoff?: BackoffEntry;
}

export interface PodRecord {
  uid: string;
  namespace: string;
  name: string;
  podIP?: string;
  /** The runtime's pod sandbox, when it makes one (CRI). */
  sandboxId?: string;
  startTime?: string;
  containers: Record<string, ContainerRecord>;
}

export const POD_RECORD_FILE = 'pod.json';

/** `<ns>_<name>_<uid>`, as kubelet names a pod's directory under /var/log/pods. */
export function podDirName(ref: { namespace: string; name: string; uid: string }): string {
  return `${ref.namespace}_${ref.name}_${ref.uid}`;
}

export function readPodRecord(dir: string): PodRecord | undefined {
  const file = join(dir, POD_RECORD_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as PodRecord;
  } catch {
    return undefined;
  }
}

export function writePodRecord(dir: string, record: PodRecord): void {
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(join(dir, POD_RECORD_FILE), JSON.stringify(record, null, 2));
}
