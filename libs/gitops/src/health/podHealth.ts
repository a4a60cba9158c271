import type { KubeObject } from '@skiff/apimachinery';
import type { HealthStatus } from './healthStatus.js';

interface ContainerStatus {
  name?: string;
  ready?: boolean;
  restartCount?: number;
  state?: { waiting?: { reason?: string; message?: string }; running?: unknown; terminated?: { exitCode?: number; reason?: string; message?: string } };
  lastState?: { terminated?: { exitCode?: number; reason?: string; message?: string } };
}

interface PodView {
  name: string;
  restartPolicy: string;
  phase?: string;
  message?: string;
  ready: boolean;
  containers: ContainerStatus[];
  initContainers: ContainerStatus[];
}

function view(pod: KubeObject): PodView {
  const spec = (pod.spec ?? {}) as { restartPolicy?: string };
  const status = (pod.status ?? {}) as {
    phase?: string;
    message?: string;
    conditions?: { type?: string; status?: string }[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
  return {
    name: pod.metadata.name ?? '',
    restartPolicy: spec.restartPolicy ?? 'Always',
    phase: status.phase,
    message: status.message || undefined,
    ready: (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
    containers: status.containerStatuses ?? [],
    initContainers: status.initContainerStatuses ?? [],
  };
}

/** Argo CD's test for a waiting reason that means "stuck": ErrImagePull, CreateContainerConfigError, CrashLoopBackOff, ... */
export function isStuckWaitingReason(reason: string | undefined): boolean {
  return !!reason && (reason.startsWith('Err') || reason.endsWith('Error') || reason.endsWith('BackOff'));
}

/**
 * Argo CD's Pod check (gitops-engine `pkg/health/health_pod.go`):
 * - restartPolicy Always and a container waiting with a stuck reason -> Degraded;
 * - Pending -> Progressing; Succeeded -> Healthy; Failed -> Degraded;
 * - Running: Ready -> Healthy; not Ready and a container has terminated before -> Degraded (it is
 *   crash-looping between restarts); otherwise Progressing. Pods with a finite life
 *   (OnFailure/Never) stay Progressing while Running.
 */
export function podHealth(pod: KubeObject): HealthStatus {
  const p = view(pod);
  if (p.restartPolicy === 'Always') {
    const stuck = p.containers.filter((c) => isStuckWaitingReason(c.state?.waiting?.reason));
    if (stuck.length > 0) {
      return {
        status: 'Degraded',
        message: stuck.map((c) => containerMessage(p.name, c, c.state!.waiting!.reason!, c.state!.waiting!.message)).join(', '),
      };
    }
  }
  switch (p.phase) {
    case 'Pending':
      return { status: 'Progressing', ...(p.message ? { message: p.message } : {}) };
    case 'Succeeded':
      return { status: 'Healthy', ...(p.message ? { message: p.message } : {}) };
    case 'Failed': {
      if (p.message) return { status: 'Degraded', message: p.message };
      const failed = [...p.initContainers, ...p.containers].find((c) => (c.state?.terminated?.exitCode ?? 0) !== 0);
      const t = failed?.state?.terminated;
      return t ? { status: 'Degraded', message: containerMessage(p.name, failed, t.reason ?? 'Error', t.message ?? `exit code ${t.exitCode}`) } : { status: 'Degraded' };
    }
    case 'Running': {
      if (p.restartPolicy !== 'Always') return { status: 'Progressing' };
      if (p.ready) return { status: 'Healthy', ...(p.message ? { message: p.message } : {}) };
      const crashed = p.containers.find((c) => c.lastState?.terminated || ((c.restartCount ?? 0) >= 1 && c.state?.terminated));
      if (crashed) {
        const t = crashed.lastState?.terminated ?? crashed.state!.terminated!;
        return { status: 'Degraded', message: p.message ?? containerMessage(p.name, crashed, t.reason ?? 'Error', `exit code ${t.exitCode ?? 'unknown'}, restarted ${crashed.restartCount ?? 0} times`) };
      }
      return { status: 'Progressing', message: `Pod "${p.name}" is running but not ready` };
    }
    default:
      return { status: 'Unknown', ...(p.message ? { message: p.message } : {}) };
  }
}

function containerMessage(pod: string, c: ContainerStatus, reason: string, detail?: string): string {
  return `Pod "${pod}" container "${c.name ?? '?'}" is in ${reason}${detail ? `: ${detail}` : ''}`;
}
