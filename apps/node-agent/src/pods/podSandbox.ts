import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { NotFoundError, type KubeObject } from '@skiff/apimachinery';
import { resourceType, type ApiClient } from '@skiff/kube-client';
import { writeFileAtomic } from '../files.js';
import type { FetchedClaim } from './claimVolume.js';
import type { EnvContext, ObjectReferences, ReferencedObjects } from './containerEnv.js';
import { requestPodTokens, tokenRefreshAtMs } from './serviceAccountTokens.js';
import { podSpec } from './podSpec.js';
import { materializeVolumes, planVolumes, volumeReferences, type Mount, type VolumePlan } from './podVolumes.js';

/**
 * What a pod's containers share, set up before the first of them starts (kubelet's pod sandbox):
 * the pod's address, its directory with the volumes, and its /etc/hosts and /etc/hostname.
 */
export interface PodSandbox {
  podIP: string;
  plans: VolumePlan[];
  /** volume name -> host directory */
  dirs: Map<string, string>;
  /** Bound into every container besides its volume mounts. */
  extraMounts: Mount[];
  /** When the first of the projected ServiceAccount tokens is due for renewal (kubelet's 80% of its life). */
  tokenRefreshAtMs?: number;
}

export type SandboxResult = { ok: true; sandbox: PodSandbox } | { ok: false; reason: 'FailedCreatePodSandBox' | 'FailedMount'; message: string };

/** The hosts file Kubernetes gives a pod: localhost, and the pod's own name on its address. */
export function hostsFile(podIP: string, hostname: string): string {
  return `# Kubernetes-managed hosts file (Skiff).\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${podIP}\t${hostname}\n`;
}

/**
 * The pod's DNS settings for dnsPolicy ClusterFirst (the default): the cluster DNS, and the
 * search path that makes `backend` and `backend.<ns>` resolve to `backend.<ns>.svc.cluster.local`.
 * `dnsConfig` adds nameservers, searches and options; dnsPolicy None uses dnsConfig alone.
 * Returns undefined for dnsPolicy Default (the host's file).
 */
export function resolvConfSettings(pod: KubeObject, clusterDns: string, domain = 'cluster.local'): { servers: string[]; searches: string[]; options: string[] } | undefined {
  const spec = (pod.spec ?? {}) as { dnsPolicy?: string; hostNetwork?: boolean; dnsConfig?: { nameservers?: string[]; searches?: string[]; options?: { name: string; value?: string }[] } };
  const policy = spec.dnsPolicy ?? 'ClusterFirst';
  if (policy === 'Default' || (policy === 'ClusterFirst' && spec.hostNetwork)) return undefined;
  const ns = pod.metadata.namespace ?? 'default';
  const base = policy === 'None' ? { nameservers: [] as string[], searches: [] as string[], options: [] as string[] } : { nameservers: [clusterDns], searches: [`${ns}.svc.${domain}`, `svc.${domain}`, domain], options: ['ndots:5'] };
  const cfg = spec.dnsConfig ?? {};
  const options = new Map(base.options.map((o) => [o.split(':')[0], o] as const));
  for (const o of cfg.options ?? []) options.set(o.name, o.value !== undefined ? `${o.name}:${o.value}` : o.name);
  return {
    servers: [...base.nameservers, ...(cfg.nameservers ?? [])].slice(0, 3),
    searches: [...base.searches, ...(cfg.searches ?? [])],
    options: [...options.values()],
  };
}

/** The pod's /etc/resolv.conf (see resolvConfSettings); undefined for dnsPolicy Default. */
export function resolvConf(pod: KubeObject, clusterDns: string, domain = 'cluster.local'): string | undefined {
  const s = resolvConfSettings(pod, clusterDns, domain);
  if (!s) return undefined;
  return [
    '# Kubernetes-managed resolv.conf (Skiff).',
    ...s.servers.map((n) => `nameserver ${n}`),
    ...(s.searches.length ? [`search ${s.searches.join(' ')}`] : []),
    ...(s.options.length ? [`options ${s.options.join(' ')}`] : []),
    '',
  ].join('\n');
}

/** Fetches the ConfigMaps, Secrets and claims (with their volumes) a pod refers to; missing ones map to undefined. */
export async function fetchReferencedObjects(client: ApiClient, namespace: string | undefined, refs: ObjectReferences): Promise<ReferencedObjects> {
  const find = async (resource: string, ns: string | undefined, name: string): Promise<KubeObject | undefined> => {
    try {
      return await client.get(resourceType(resource), ns, name);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  };
  const get = async (resource: 'configmaps' | 'secrets', name: string): Promise<[string, KubeObject | undefined]> => [name, await find(resource, namespace, name)];
  const claim = async (name: string): Promise<[string, FetchedClaim]> => {
    const pvc = await find('persistentvolumeclaims', namespace, name);
    const volumeName = (pvc?.spec as { volumeName?: string } | undefined)?.volumeName;
    return [name, { claim: pvc, volume: volumeName ? await find('persistentvolumes', undefined, volumeName) : undefined }];
  };
  const [configMaps, secrets, claims, services, masterService, serviceAccountTokens] = await Promise.all([
    Promise.all([...refs.configMaps].map((n) => get('configmaps', n))),
    Promise.all([...refs.secrets].map((n) => get('secrets', n))),
    Promise.all([...(refs.claims ?? [])].map(claim)),
    client.list(resourceType('services'), { namespace }).then((l) => l.items),
    find('services', 'default', 'kubernetes'),
    refs.tokensFor ? requestPodTokens(client, refs.tokensFor, Date.now()) : undefined,
  ]);
  return { configMaps: new Map(configMaps), secrets: new Map(secrets), claims: new Map(claims), services, masterService, serviceAccountTokens };
}

export async function setUpPodSandbox(args: {
  pod: KubeObject;
  dir: string;
  /** The pod's address: from the agent's allocator, or from the runtime's sandbox (its network namespace). */
  address(): Promise<string>;
  hostname: string;
  /** The cluster DNS address for the pod's resolv.conf. */
  clusterDns: string;
  envContext(podIP: string): EnvContext;
  fetch(refs: ObjectReferences): Promise<ReferencedObjects>;
  /** How `emptyDir.medium: Memory` gets its tmpfs, where the agent may mount. */
  mountTmpfs?: (dir: string, sizeLimit: string | undefined) => void;
}): Promise<SandboxResult> {
  const { pod, dir } = args;
  // The objects the volumes need are fetched while the runtime makes the sandbox.
  const referenced = args.fetch(volumeReferences(pod));
  referenced.catch(() => undefined);
  let podIP: string;
  try {
    podIP = await args.address();
  } catch (err) {
    return { ok: false, reason: 'FailedCreatePodSandBox', message: (err as Error).message };
  }
  mkdirSync(dir, { recursive: true });
  let plans: VolumePlan[];
  let dirs: Map<string, string>;
  let tokenRefreshAtMs: number | undefined;
  try {
    const objects = await referenced;
    tokenRefreshAtMs = firstRefresh(objects);
    const planned = planVolumes(pod, args.envContext(podIP), objects);
    if (!planned.ok) return { ok: false, reason: 'FailedMount', message: planned.message };
    plans = planned.volumes;
    const fsGroup = (pod.spec as { securityContext?: { fsGroup?: number } } | undefined)?.securityContext?.fsGroup;
    dirs = materializeVolumes(dir, plans, { fsGroup, mountTmpfs: args.mountTmpfs });
  } catch (err) {
    return { ok: false, reason: 'FailedMount', message: (err as Error).message };
  }
  const etc = join(dir, 'etc');
  mkdirSync(etc, { recursive: true });
  writeFileAtomic(join(etc, 'hosts'), hostsFile(podIP, args.hostname));
  writeFileAtomic(join(etc, 'hostname'), `${args.hostname}\n`);
  const resolv = resolvConf(pod, args.clusterDns);
  if (resolv) writeFileAtomic(join(etc, 'resolv.conf'), resolv);
  return {
    ok: true,
    sandbox: {
      podIP,
      plans,
      dirs,
      extraMounts: [
        { hostPath: join(etc, 'hosts'), containerPath: '/etc/hosts', readOnly: true },
        { hostPath: join(etc, 'hostname'), containerPath: '/etc/hostname', readOnly: true },
        ...(resolv ? [{ hostPath: join(etc, 'resolv.conf'), containerPath: '/etc/resolv.conf', readOnly: true }] : []),
      ],
      tokenRefreshAtMs,
    },
  };
}

function firstRefresh(objects: ReferencedObjects): number | undefined {
  const times = [...(objects.serviceAccountTokens?.values() ?? [])].map(tokenRefreshAtMs).filter((t): t is number => t !== undefined);
  return times.length ? Math.min(...times) : undefined;
}

/**
 * Renews the pod's projected ServiceAccount tokens: fresh tokens are written in place into the
 * volumes that project them (the running containers have those directories bound). Returns when
 * the next renewal is due, or an error message (the old tokens stay until they expire).
 */
export async function refreshProjectedTokens(pod: KubeObject, dir: string, ctx: EnvContext, fetch: (refs: ObjectReferences) => Promise<ReferencedObjects>): Promise<{ ok: true; nextAtMs?: number } | { ok: false; message: string }> {
  const objects = await fetch(volumeReferences(pod));
  const failed = [...(objects.serviceAccountTokens?.values() ?? [])].find((t) => !t.ok);
  if (failed && !failed.ok) return { ok: false, message: failed.message };
  const planned = planVolumes(pod, ctx, objects);
  if (!planned.ok) return { ok: false, message: planned.message };
  const projecting = new Set(podSpec(pod).volumes?.filter((v) => v.projected?.sources?.some((src) => src.serviceAccountToken)).map((v) => v.name));
  const fsGroup = podSpec(pod).securityContext?.fsGroup;
  materializeVolumes(dir, planned.volumes.filter((p) => projecting.has(p.name)), { fsGroup });
  return { ok: true, nextAtMs: firstRefresh(objects) };
}
