import { humanDuration, isObject, listAt, num, objectAt, text, type Json } from './format.js';

/**
 * The Pod columns exactly as kubectl computes them (pkg/printers/internalversion printPod):
 * READY counts ready regular containers plus started sidecars, STATUS is the most telling
 * reason (Init:1/2, CrashLoopBackOff, Completed, Terminating, ...), RESTARTS says when the
 * last restart happened: "3 (2m ago)".
 */

export interface RowCondition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

function finishedAt(status: Json): number | undefined {
  const t = text(objectAt(status, 'lastState', 'terminated').finishedAt);
  const ms = t ? Date.parse(t) : NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

function later(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.max(a, b);
}

function conditionTrue(pod: Json, type: string): boolean {
  return listAt(pod, 'status', 'conditions').some((c) => c.type === type && c.status === 'True');
}

export function podStatusCells(pod: Json, now: Date): { ready: string; status: string; restarts: string; conditions?: RowCondition[] } {
  const spec = objectAt(pod, 'spec');
  const status = objectAt(pod, 'status');
  const metadata = objectAt(pod, 'metadata');
  const initSpecs = listAt(spec, 'initContainers');
  const sidecars = new Set(initSpecs.filter((c) => c.restartPolicy === 'Always').map((c) => text(c.name)));

  let restarts = 0;
  let sidecarRestarts = 0;
  const totalContainers = listAt(spec, 'containers').length + sidecars.size;
  let readyContainers = 0;
  let lastRestart: number | undefined;
  let lastSidecarRestart: number | undefined;
  const phase = text(status.phase);
  let reason = text(status.reason) || phase;

  for (const c of listAt(status, 'conditions')) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  let conditions: RowCondition[] | undefined;
  if (phase === 'Succeeded') conditions = [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
  if (phase === 'Failed') conditions = [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];

  let initializing = false;
  const initStatuses = listAt(status, 'initContainerStatuses');
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    restarts += num(c.restartCount);
    lastRestart = later(lastRestart, finishedAt(c));
    const isSidecar = sidecars.has(text(c.name));
    if (isSidecar) {
      sidecarRestarts += num(c.restartCount);
      lastSidecarRestart = later(lastSidecarRestart, finishedAt(c));
    }
    const terminated = objectAt(c, 'state', 'terminated');
    const waiting = objectAt(c, 'state', 'waiting');
    const hasTerminated = isObject(objectAt(c, 'state').terminated);
    if (hasTerminated && num(terminated.exitCode) === 0) continue;
    if (isSidecar && c.started === true) {
      if (c.ready === true) readyContainers++;
      continue;
    }
    if (hasTerminated) {
      if (!text(terminated.reason)) {
        reason = num(terminated.signal) !== 0 ? `Init:Signal:${num(terminated.signal)}` : `Init:ExitCode:${num(terminated.exitCode)}`;
      } else {
        reason = `Init:${text(terminated.reason)}`;
      }
    } else if (text(waiting.reason) && waiting.reason !== 'PodInitializing') {
      reason = `Init:${text(waiting.reason)}`;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || conditionTrue(pod, 'Initialized')) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses = listAt(status, 'containerStatuses');
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += num(c.restartCount);
      lastRestart = later(lastRestart, finishedAt(c));
      const state = objectAt(c, 'state');
      const waiting = objectAt(state, 'waiting');
      const terminated = objectAt(state, 'terminated');
      if (isObject(state.waiting) && text(waiting.reason)) {
        reason = text(waiting.reason);
      } else if (isObject(state.terminated) && text(terminated.reason)) {
        reason = text(terminated.reason);
      } else if (isObject(state.terminated)) {
        reason = num(terminated.signal) !== 0 ? `Signal:${num(terminated.signal)}` : `ExitCode:${num(terminated.exitCode)}`;
      } else if (c.ready === true && isObject(state.running)) {
        hasRunning = true;
        readyContainers++;
      }
    }
    // A pod whose last container completed but another is still running is not "Completed".
    if (reason === 'Completed' && hasRunning) reason = conditionTrue(pod, 'Ready') ? 'Running' : 'NotReady';
  }

  if (metadata.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (metadata.deletionTimestamp && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';

  let restartsText = String(restarts);
  if (restarts !== 0 && lastRestart !== undefined) restartsText = `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)`;
  return { ready: `${readyContainers}/${totalContainers}`, status: reason, restarts: restartsText, ...(conditions ? { conditions } : {}) };
}

/** IP, NODE, NOMINATED NODE and READINESS GATES: the `-o wide` columns. */
export function podWideCells(pod: Json): string[] {
  const spec = objectAt(pod, 'spec');
  const status = objectAt(pod, 'status');
  const podIP = text(listAt(status, 'podIPs')[0]?.ip) || text(status.podIP) || '<none>';
  const node = text(spec.nodeName) || '<none>';
  const nominated = text(status.nominatedNodeName) || '<none>';
  const gates = listAt(spec, 'readinessGates');
  let readinessGates = '<none>';
  if (gates.length > 0) {
    const conditions = listAt(status, 'conditions');
    const trueCount = gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True').length;
    readinessGates = `${trueCount}/${gates.length}`;
  }
  return [podIP, node, nominated, readinessGates];
}
