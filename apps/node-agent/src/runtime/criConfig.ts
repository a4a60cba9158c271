import { parseQuantity, type KubeObject } from '@skiff/apimachinery';
import type { ContainerConfig, LinuxContainerSecurityContext, PodSandboxConfig } from '@skiff/cri';
import type { Mount } from '../pods/podVolumes.js';
import type { SecurityContext } from 'kubernetes-types/core/v1.js';
import type { Container, PodSpec } from '../pods/podSpec.js';

/**
 * Pure builders of the CRI's sandbox and container configs from a pod, as the kubelet's
 * kuberuntime does (generatePodSandboxConfig, generateContainerConfig): labels that tie runtime
 * objects back to the pod, DNS, namespaces, cgroup resources, and the security context.
 */

export const POD_UID_LABEL = 'io.kubernetes.pod.uid';
export const POD_NAME_LABEL = 'io.kubernetes.pod.name';
export const POD_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
export const CONTAINER_NAME_LABEL = 'io.kubernetes.container.name';
/** Which node agent made it: several agents may share one runtime. */
export const NODE_LABEL = 'skiff.dev/node';

/** The CFS period the kubelet uses (100 ms); a CPU limit becomes a quota of that period. */
const CPU_PERIOD_US = 100_000;
const MIN_QUOTA_US = 1000;
const MIN_SHARES = 2;
const MAX_SHARES = 262_144;

/** A container as the CRI builders read it (kubernetes-types' Container has its security context and stdin/tty). */
export type CriContainer = Container;

function criPodSpec(pod: KubeObject): Partial<PodSpec> {
  return (pod.spec ?? {}) as Partial<PodSpec>;
}

export function podLabels(pod: KubeObject, nodeName: string): Record<string, string> {
  return {
    [POD_UID_LABEL]: pod.metadata.uid ?? '',
    [POD_NAME_LABEL]: pod.metadata.name ?? '',
    [POD_NAMESPACE_LABEL]: pod.metadata.namespace ?? 'default',
    [NODE_LABEL]: nodeName,
  };
}

/** The pod's /etc/resolv.conf as the runtime writes it from the CRI's DNSConfig. */
export interface DnsSettings {
  servers: string[];
  searches: string[];
  options: string[];
}

/** Which namespaces a pod's containers share with the node or with each other (hostNetwork, hostPID, shareProcessNamespace, hostIPC). */
function namespaceOptions(spec: Partial<PodSpec>): { network: 'NODE' | 'POD'; pid: 'NODE' | 'POD' | 'CONTAINER'; ipc: 'NODE' | 'POD' } {
  return {
    network: spec.hostNetwork ? 'NODE' : 'POD',
    pid: spec.hostPID ? 'NODE' : spec.shareProcessNamespace ? 'POD' : 'CONTAINER',
    ipc: spec.hostIPC ? 'NODE' : 'POD',
  };
}

function seccomp(profile: { type: string; localhostProfile?: string } | undefined): { profileType: 'RuntimeDefault' | 'Unconfined' | 'Localhost'; localhostRef?: string } | undefined {
  if (!profile) return undefined;
  if (profile.type === 'RuntimeDefault') return { profileType: 'RuntimeDefault' };
  if (profile.type === 'Localhost') return { profileType: 'Localhost', localhostRef: profile.localhostProfile };
  return { profileType: 'Unconfined' };
}

export function sandboxConfig(args: { pod: KubeObject; nodeName: string; hostname: string; logDirectory: string; dns?: DnsSettings; attempt: number; cgroupParent?: string }): PodSandboxConfig {
  const { pod } = args;
  const spec = criPodSpec(pod);
  const psc = spec.securityContext ?? {};
  const portMappings = (spec.containers ?? []).flatMap((c) =>
    (c.ports ?? [])
      .filter((p) => p.hostPort)
      .map((p) => ({ protocol: (p.protocol ?? 'TCP') as 'TCP' | 'UDP' | 'SCTP', containerPort: p.containerPort, hostPort: p.hostPort, hostIp: p.hostIP ?? '' })),
  );
  return {
    metadata: { name: pod.metadata.name ?? '', uid: pod.metadata.uid ?? '', namespace: pod.metadata.namespace ?? 'default', attempt: args.attempt },
    hostname: spec.hostNetwork ? '' : args.hostname,
    logDirectory: args.logDirectory,
    ...(args.dns ? { dnsConfig: args.dns } : {}),
    portMappings,
    labels: podLabels(pod, args.nodeName),
    annotations: {},
    linux: {
      ...(args.cgroupParent ? { cgroupParent: args.cgroupParent } : {}),
      securityContext: {
        namespaceOptions: namespaceOptions(spec),
        ...(psc.runAsUser !== undefined ? { runAsUser: { value: psc.runAsUser } } : {}),
        ...(psc.runAsGroup !== undefined ? { runAsGroup: { value: psc.runAsGroup } } : {}),
        supplementalGroups: [...(psc.supplementalGroups ?? []), ...(psc.fsGroup !== undefined ? [psc.fsGroup] : [])],
        // A runtime runs a privileged container only in a privileged sandbox (the kubelet's rule).
        privileged: [...(spec.containers ?? []), ...((spec as { initContainers?: CriContainer[] }).initContainers ?? [])].some((c) => (c as CriContainer).securityContext?.privileged),
        ...(seccomp(psc.seccompProfile) ? { seccomp: seccomp(psc.seccompProfile) } : {}),
      },
      sysctls: Object.fromEntries((psc.sysctls ?? []).map((s) => [s.name, s.value])),
    },
  };
}

/** The CRI names capabilities without `CAP_` (the runtime adds it); `CAP_NET_ADMIN` in a spec means NET_ADMIN. */
function capName(c: string): string {
  const up = c.toUpperCase();
  return up.startsWith('CAP_') ? up.slice(4) : up;
}

function cpuMillis(q: string | number | undefined): number | undefined {
  return q === undefined ? undefined : Math.round(parseQuantity(q) * 1000);
}

/**
 * Linux cgroup settings for a container (kubelet's calculateLinuxResources): CPU requests as
 * shares (1 CPU = 1024), a CPU limit as a CFS quota over a 100 ms period, the memory limit.
 * E.g. requests.cpu 250m -> 256 shares; limits.cpu 500m -> quota 50000 of period 100000.
 */
export function linuxResources(c: Container): { cpuShares: number; cpuPeriod?: number; cpuQuota?: number; memoryLimitInBytes?: number } {
  const requestMilli = cpuMillis(c.resources?.requests?.cpu);
  const limitMilli = cpuMillis(c.resources?.limits?.cpu);
  const milli = requestMilli ?? limitMilli;
  const cpuShares = milli === undefined ? MIN_SHARES : Math.min(MAX_SHARES, Math.max(MIN_SHARES, Math.floor((milli * 1024) / 1000)));
  const out: { cpuShares: number; cpuPeriod?: number; cpuQuota?: number; memoryLimitInBytes?: number } = { cpuShares };
  if (limitMilli !== undefined && limitMilli > 0) {
    out.cpuPeriod = CPU_PERIOD_US;
    out.cpuQuota = Math.max(MIN_QUOTA_US, Math.floor((limitMilli * CPU_PERIOD_US) / 1000));
  }
  const memory = c.resources?.limits?.memory;
  if (memory !== undefined) out.memoryLimitInBytes = Math.floor(parseQuantity(memory));
  return out;
}

/** The container's security context over the pod's (the container's fields win). */
export function effectiveSecurityContext(pod: KubeObject, c: CriContainer): SecurityContext & { supplementalGroups: number[] } {
  const psc = criPodSpec(pod).securityContext ?? {};
  const csc = c.securityContext ?? {};
  return {
    runAsUser: csc.runAsUser ?? psc.runAsUser,
    runAsGroup: csc.runAsGroup ?? psc.runAsGroup,
    runAsNonRoot: csc.runAsNonRoot ?? psc.runAsNonRoot,
    readOnlyRootFilesystem: csc.readOnlyRootFilesystem,
    privileged: csc.privileged,
    allowPrivilegeEscalation: csc.allowPrivilegeEscalation,
    capabilities: csc.capabilities,
    seccompProfile: csc.seccompProfile ?? psc.seccompProfile,
    supplementalGroups: [...(psc.supplementalGroups ?? []), ...(psc.fsGroup !== undefined ? [psc.fsGroup] : [])],
  };
}

/**
 * runAsNonRoot: the kubelet refuses to start a container that would run as uid 0 (kubelet
 * verifyRunAsNonRoot), from the security context or else the image's user. Returns the reason
 * not to start, or undefined.
 */
export function verifyRunAsNonRoot(pod: KubeObject, c: CriContainer, image: { uid?: number; username?: string }): string | undefined {
  const sc = effectiveSecurityContext(pod, c);
  if (!sc.runAsNonRoot) return undefined;
  const uid = sc.runAsUser ?? image.uid;
  if (uid === 0) {
    const where = sc.runAsUser !== undefined ? 'runAsUser' : 'image';
    return where === 'runAsUser' ? "container's runAsUser breaks non-root policy" : 'container has runAsNonRoot and image will run as root';
  }
  if (uid === undefined) {
    if (image.username) return `container has runAsNonRoot and image has non-numeric user (${image.username}), cannot verify user is non-root`;
    return 'container has runAsNonRoot and image will run as root';
  }
  return undefined;
}

function withTarget(sc: LinuxContainerSecurityContext, targetId: string | undefined): LinuxContainerSecurityContext {
  if (!targetId || sc.namespaceOptions?.pid !== 'CONTAINER') return sc;
  return { ...sc, namespaceOptions: { ...sc.namespaceOptions, pid: 'TARGET', targetId } };
}

function securityContext(pod: KubeObject, c: CriContainer): LinuxContainerSecurityContext {
  const sc = effectiveSecurityContext(pod, c);
  const spec = criPodSpec(pod);
  const profile = seccomp(sc.seccompProfile);
  return {
    ...(sc.capabilities ? { capabilities: { addCapabilities: (sc.capabilities.add ?? []).map(capName), dropCapabilities: (sc.capabilities.drop ?? []).map(capName) } } : {}),
    privileged: !!sc.privileged,
    namespaceOptions: namespaceOptions(spec),
    ...(sc.runAsUser !== undefined ? { runAsUser: { value: sc.runAsUser } } : {}),
    ...(sc.runAsGroup !== undefined ? { runAsGroup: { value: sc.runAsGroup } } : {}),
    readonlyRootfs: !!sc.readOnlyRootFilesystem,
    supplementalGroups: sc.supplementalGroups,
    // allowPrivilegeEscalation: false is no_new_privs; absent means allowed (unless privileged).
    noNewPrivs: sc.allowPrivilegeEscalation === false && !sc.privileged,
    ...(profile ? { seccomp: profile } : {}),
  };
}

export interface ContainerConfigArgs {
  pod: KubeObject;
  container: CriContainer;
  nodeName: string;
  /** The image as pulled (its id), or the spec's reference. */
  image: string;
  command?: string[];
  args?: string[];
  env: Record<string, string>;
  mounts: Mount[];
  attempt: number;
  /** Relative to the sandbox's log directory: `<container>/<attempt>.log`. */
  logPath: string;
  /** An ephemeral container's target: it shares that container's process namespace. */
  targetContainerId?: string;
}

export function containerConfig(a: ContainerConfigArgs): ContainerConfig {
  const c = a.container;
  return {
    metadata: { name: c.name, attempt: a.attempt },
    image: { image: a.image },
    command: a.command ?? [],
    args: a.args ?? [],
    workingDir: c.workingDir ?? '',
    envs: Object.entries(a.env).map(([key, value]) => ({ key, value })),
    mounts: a.mounts.map((m) => ({ containerPath: m.containerPath, hostPath: m.hostPath, readonly: m.readOnly })),
    labels: { ...podLabels(a.pod, a.nodeName), [CONTAINER_NAME_LABEL]: c.name },
    annotations: {},
    logPath: a.logPath,
    stdin: !!c.stdin,
    stdinOnce: !!c.stdinOnce,
    tty: !!c.tty,
    linux: { resources: linuxResources(c), securityContext: withTarget(securityContext(a.pod, c), a.targetContainerId) },
  };
}
