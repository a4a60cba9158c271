import type { KubeObject } from '@skiff/apimachinery';
import type { RestartPolicy } from './crashLoopBackoff.js';

/**
 * The core/v1 Pod types the agent reads, from kubernetes-types. Objects arrive validated and
 * defaulted by the API server, so the agent trusts their shape and only guards against absent
 * optional fields.
 */
export type {
  Container,
  ContainerPort,
  DownwardAPIVolumeFile,
  EnvFromSource,
  EnvVar,
  EphemeralContainer,
  HTTPHeader as HttpHeader,
  KeyToPath,
  PodSpec,
  Probe,
  Volume,
  VolumeMount,
} from 'kubernetes-types/core/v1.js';
import type { Container, LifecycleHandler, PodSpec, Probe } from 'kubernetes-types/core/v1.js';

/** What a probe or a lifecycle hook runs: one of exec, httpGet, tcpSocket, grpc (probes) or sleep (hooks). */
export type ProbeHandler = Probe | LifecycleHandler;

/** Every container of the pod: init, app, then ephemeral ones, in the order they start. */
export function allContainers(spec: PodSpec): Container[] {
  return [...(spec.initContainers ?? []), ...spec.containers, ...(spec.ephemeralContainers ?? [])];
}

export function podSpec(pod: KubeObject): PodSpec {
  const spec = (pod.spec ?? {}) as Partial<PodSpec>;
  return { ...spec, containers: spec.containers ?? [] };
}

export function restartPolicyOf(pod: KubeObject): RestartPolicy {
  return (podSpec(pod).restartPolicy as RestartPolicy | undefined) ?? 'Always';
}

/** A restartable init container (`restartPolicy: Always`): starts in init order, then runs beside the app containers. */
export function isSidecar(c: Container): boolean {
  return c.restartPolicy === 'Always';
}

/** `namespace/name`: how logs and errors name a pod. */
export function podKey(pod: KubeObject): string {
  return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
}

export interface PodRef {
  name: string;
  namespace: string;
  uid: string;
}

export function podRef(pod: KubeObject): PodRef {
  return { name: pod.metadata.name ?? '', namespace: pod.metadata.namespace ?? 'default', uid: pod.metadata.uid ?? '' };
}
