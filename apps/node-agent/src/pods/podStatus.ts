import type { KubeObject } from '@skiff/apimachinery';
import { rfc3339 } from '../time.js';
import type { ContainerRecord, TerminatedState } from './podRecord.js';
import { isSidecar, podSpec, type Container, type PodSpec } from './podSpec.js';

/**
 * The pod status the agent reports, computed from what it knows (records of runs, probe results,
 * reasons for waiting) as a pure function, like kubelet's generateAPIPodStatus + getPhase. The
 * result is compared with the last status written, and written only when it differs.
 */

export const IMAGE_ID = 'skiff://process';

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

export interface ContainerState {
  waiting?: { reason: string; message?: string };
  running?: { startedAt: string };
  terminated?: TerminatedState;
}

export interface ContainerStatus {
  name: string;
  state: ContainerState;
  lastState: ContainerState;
  ready: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID?: string;
  started: boolean;
}

export interface PodCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastProbeTime: null;
  lastTransitionTime: string;
}

export interface PodStatus {
  phase: PodPhase;
  conditions: PodCondition[];
  hostIP: string;
  hostIPs: { ip: string }[];
  podIP?: string;
  podIPs?: { ip: string }[];
  startTime?: string;
  initContainerStatuses?: ContainerStatus[];
  containerStatuses: ContainerStatus[];
  ephemeralContainerStatuses?: ContainerStatus[];
}

/** The status fields the agent owns; a status patch sets each of them (null when absent). */
export const MANAGED_STATUS_FIELDS: readonly (keyof PodStatus)[] = [
  'phase', 'conditions', 'hostIP', 'hostIPs', 'podIP', 'podIPs', 'startTime', 'initContainerStatuses', 'containerStatuses', 'ephemeralContainerStatuses',
];

/** What the agent knows about one container right now. */
export interface ContainerView {
  record?: ContainerRecord;
  /** Why the container is not running, when that is what to report (CrashLoopBackOff, CreateContainerConfigError, ...). */
  waiting?: { reason: string; message?: string };
  /** Readiness probe verdict (true when there is no readiness probe). */
  ready: boolean;
  /** Startup probe verdict (true when there is no startup probe). */
  started: boolean;
}

export interface PodStatusInput {
  pod: KubeObject;
  views: Record<string, ContainerView>;
  hostIP: string;
  podIP?: string;
  startTime?: string;
  /** The pod's address is allocated and its directory and volumes exist. */
  sandboxReady: boolean;
  /** The pod is finished for good (being deleted, nothing left running): no restart will come. */
  terminal: boolean;
  now: Date;
}

function isRunning(record: ContainerRecord | undefined): boolean {
  return !!record?.current && !record.current.terminated;
}

export function containerStatus(c: Container, view: ContainerView | undefined, defaultWaiting: string): ContainerStatus {
  const record = view?.record;
  const current = record?.current;
  const base = { name: c.name, image: c.image ?? '', restartCount: record?.restartCount ?? 0 };
  if (current && !current.terminated) {
    return {
      ...base,
      state: { running: { startedAt: current.startedAt } },
      lastState: record.lastTerminated ? { terminated: record.lastTerminated } : {},
      ready: !!view?.ready && !!view?.started,
      imageID: current.imageID ?? IMAGE_ID,
      containerID: current.containerID,
      started: !!view?.started,
    };
  }
  if (view?.waiting || !current) {
    const waiting = view?.waiting ?? { reason: defaultWaiting };
    const last = current?.terminated ?? record?.lastTerminated;
    return { ...base, state: { waiting }, lastState: last ? { terminated: last } : {}, ready: false, imageID: current ? (current.imageID ?? IMAGE_ID) : '', started: false };
  }
  return {
    ...base,
    state: { terminated: current.terminated },
    lastState: record.lastTerminated ? { terminated: record.lastTerminated } : {},
    ready: false,
    imageID: current.imageID ?? IMAGE_ID,
    containerID: current.containerID,
    started: false,
  };
}

/** An init container is done when its last run exited 0; a sidecar when it runs and has started. */
export function initContainerDone(c: Container, status: ContainerStatus): boolean {
  if (isSidecar(c)) return !!status.state.running && status.started;
  return status.state.terminated?.exitCode === 0;
}

/** Kubelet's getPhase, over the statuses just computed. */
export function podPhase(spec: PodSpec, initStatuses: ContainerStatus[], statuses: ContainerStatus[], terminal: boolean): PodPhase {
  let pendingInitialization = 0;
  let failedInitialization = 0;
  (spec.initContainers ?? []).forEach((c, i) => {
    const s = initStatuses[i];
    if (isSidecar(c)) {
      if (!s.state.running || !s.started) pendingInitialization++;
      return;
    }
    if (s.state.running) pendingInitialization++;
    else if (s.state.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInitialization++;
    } else if (s.lastState.terminated) {
      if (s.lastState.terminated.exitCode !== 0) failedInitialization++;
    } else pendingInitialization++;
  });

  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of statuses) {
    if (s.state.running) running++;
    else if (s.state.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.lastState.terminated) stopped++;
    else waiting++;
  }
  const anyRegularStarted = statuses.some((s) => s.state.running || s.state.terminated || s.lastState.terminated);

  if (failedInitialization > 0 && spec.restartPolicy === 'Never') return 'Failed';
  if ((pendingInitialization > 0 && !anyRegularStarted) || waiting > 0) {
    // A pod being deleted before its containers ever ran ends Failed, not Pending forever.
    return terminal ? 'Failed' : 'Pending';
  }
  if (running > 0) return 'Running';
  if (stopped > 0) {
    if (terminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if ((spec.restartPolicy ?? 'Always') === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (spec.restartPolicy === 'Never') return 'Failed';
    return 'Running';
  }
  return terminal ? 'Failed' : 'Pending';
}

interface ConditionValue {
  type: string;
  status: 'True' | 'False';
  reason?: string;
  message?: string;
}

/** Keeps a condition's lastTransitionTime while its status stays the same. */
export function withTransitionTimes(values: ConditionValue[], previous: unknown, now: Date): PodCondition[] {
  const prev = Array.isArray(previous) ? (previous as Partial<PodCondition>[]) : [];
  return values.map((v) => {
    const old = prev.find((p) => p.type === v.type);
    const lastTransitionTime = old && old.status === v.status && old.lastTransitionTime ? old.lastTransitionTime : rfc3339(now);
    return {
      type: v.type,
      status: v.status,
      ...(v.reason ? { reason: v.reason } : {}),
      ...(v.message ? { message: v.message } : {}),
      lastProbeTime: null,
      lastTransitionTime,
    };
  });
}

function names(list: string[]): string {
  return `[${list.join(' ')}]`;
}

export function computePodStatus(input: PodStatusInput): PodStatus {
  const { pod, views, now } = input;
  const spec = podSpec(pod);
  const inits = spec.initContainers ?? [];
  const initStatuses = inits.map((c) => containerStatus(c, views[c.name], 'PodInitializing'));
  const initialized = inits.every((c, i) => initContainerDone(c, initStatuses[i]));
  const statuses = spec.containers.map((c) => containerStatus(c, views[c.name], initialized ? 'ContainerCreating' : 'PodInitializing'));
  const phase = podPhase(spec, initStatuses, statuses, input.terminal);

  const incomplete = inits.filter((c, i) => !initContainerDone(c, initStatuses[i])).map((c) => c.name);
  const unready = [
    ...inits.filter((c, i) => isSidecar(c) && !initStatuses[i].ready).map((c) => c.name),
    ...statuses.filter((s) => !s.ready).map((s) => s.name),
  ];
  const previous = (pod.status as { conditions?: unknown } | undefined)?.conditions;
  const prevScheduled = Array.isArray(previous) ? (previous as Partial<PodCondition>[]).find((c) => c.type === 'PodScheduled') : undefined;
  const completed = phase === 'Succeeded';
  const containersReady: ConditionValue =
    completed
      ? { type: 'ContainersReady', status: 'False', reason: 'PodCompleted' }
      : unready.length === 0
        ? { type: 'ContainersReady', status: 'True' }
        : { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: ${names(unready)}` };
  const gates = (spec.readinessGates ?? []).filter(
    (g) => !(Array.isArray(previous) && (previous as Partial<PodCondition>[]).some((c) => c.type === g.conditionType && c.status === 'True')),
  );
  let ready: ConditionValue = { ...containersReady, type: 'Ready' };
  if (ready.status === 'True' && gates.length > 0) {
    ready = { type: 'Ready', status: 'False', reason: 'ReadinessGatesNotReady', message: `corresponding condition of pod readiness gate "${gates[0].conditionType}" does not exist.` };
  }
  const sandbox = input.sandboxReady && !(input.terminal && statuses.every((s) => !s.state.running));
  const conditions = withTransitionTimes(
    [
      { type: 'PodReadyToStartContainers', status: sandbox ? 'True' : 'False' },
      completed && inits.length === 0
        ? { type: 'Initialized', status: 'True', reason: 'PodCompleted' }
        : incomplete.length === 0
          ? { type: 'Initialized', status: 'True' }
          : { type: 'Initialized', status: 'False', reason: 'ContainersNotInitialized', message: `containers with incomplete status: ${names(incomplete)}` },
      ready,
      containersReady,
      { type: 'PodScheduled', status: prevScheduled?.status === 'False' ? 'False' : 'True', ...(prevScheduled?.reason ? { reason: prevScheduled.reason } : {}) },
    ],
    previous,
    now,
  );

  return {
    phase,
    conditions,
    hostIP: input.hostIP,
    hostIPs: [{ ip: input.hostIP }],
    ...(input.podIP ? { podIP: input.podIP, podIPs: [{ ip: input.podIP }] } : {}),
    ...(input.startTime ? { startTime: input.startTime } : {}),
    ...(inits.length ? { initContainerStatuses: initStatuses } : {}),
    containerStatuses: statuses,
    ...(spec.ephemeralContainers?.length ? { ephemeralContainerStatuses: spec.ephemeralContainers.map((c) => ephemeralStatus(containerStatus(c, views[c.name], 'ContainerCreating'))) } : {}),
  };
}

/** Ephemeral containers have no readiness: their statuses carry no ready/started verdict worth showing. */
function ephemeralStatus(s: ContainerStatus): ContainerStatus {
  return { ...s, ready: false };
}

/** The managed part of a stored status, to compare with a computed one. */
export function managedStatus(status: unknown): Partial<PodStatus> {
  const s = (status ?? {}) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const f of MANAGED_STATUS_FIELDS) if (s[f] !== undefined && s[f] !== null) out[f] = s[f];
  return out as Partial<PodStatus>;
}

/** A merge patch that makes the stored status's managed fields equal `next`. */
export function statusPatch(next: PodStatus): { status: Record<string, unknown> } {
  const status: Record<string, unknown> = {};
  for (const f of MANAGED_STATUS_FIELDS) status[f] = next[f] ?? null;
  return { status };
}

export function isRunningRecord(record: ContainerRecord | undefined): boolean {
  return isRunning(record);
}
