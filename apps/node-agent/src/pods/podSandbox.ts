import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { NotFoundError, type KubeObject } from '@skiff/apimachinery';
import { resourceType, type ApiClient } from '@skiff/kube-client';
import { writeFileAtomic } from '../files.js';
import type { PodIpAllocator } from '../network/podIpAllocator.js';
import type { EnvContext, ReferencedObjects } from './containerEnv.js';
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
}

export type SandboxResult = { ok: true; sandbox: PodSandbox } | { ok: false; reason: 'FailedCreatePodSandBox' | 'FailedMount'; message: string };

/** The hosts file Kubernetes gives a pod: localhost, and the pod's own name on its address. */
export function hostsFile(podIP: string, hostname: string): string {
  return `# Kubernetes-managed hosts file (Skiff).\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${podIP}\t${hostname}\n`;
}

/** Fetches the ConfigMaps and Secrets a pod refers to; missing ones map to undefined. */
export async function fetchReferencedObjects(client: ApiClient, namespace: string | undefined, refs: { configMaps: Set<string>; secrets: Set<string> }): Promise<ReferencedObjects> {
  const get = async (resource: 'configmaps' | 'secrets', name: string): Promise<[string, KubeObject | undefined]> => {
    try {
      return [name, await client.get(resourceType(resource), namespace, name)];
    } catch (err) {
      if (err instanceof NotFoundError) return [name, undefined];
      throw err;
    }
  };
  const [configMaps, secrets] = await Promise.all([
    Promise.all([...refs.configMaps].map((n) => get('configmaps', n))),
    Promise.all([...refs.secrets].map((n) => get('secrets', n))),
  ]);
  return { configMaps: new Map(configMaps), secrets: new Map(secrets) };
}

export async function setUpPodSandbox(args: {
  pod: KubeObject;
  dir: string;
  ipam: PodIpAllocator;
  hostname: string;
  envContext(podIP: string): EnvContext;
  fetch(refs: { configMaps: Set<string>; secrets: Set<string> }): Promise<ReferencedObjects>;
}): Promise<SandboxResult> {
  const { pod, dir } = args;
  let podIP: string;
  try {
    podIP = args.ipam.allocate(pod.metadata.uid!);
  } catch (err) {
    return { ok: false, reason: 'FailedCreatePodSandBox', message: (err as Error).message };
  }
  mkdirSync(dir, { recursive: true });
  let plans: VolumePlan[];
  let dirs: Map<string, string>;
  try {
    const planned = planVolumes(pod, args.envContext(podIP), await args.fetch(volumeReferences(pod)));
    if (!planned.ok) return { ok: false, reason: 'FailedMount', message: planned.message };
    plans = planned.volumes;
    dirs = materializeVolumes(dir, plans);
  } catch (err) {
    return { ok: false, reason: 'FailedMount', message: (err as Error).message };
  }
  const etc = join(dir, 'etc');
  mkdirSync(etc, { recursive: true });
  writeFileAtomic(join(etc, 'hosts'), hostsFile(podIP, args.hostname));
  writeFileAtomic(join(etc, 'hostname'), `${args.hostname}\n`);
  return {
    ok: true,
    sandbox: {
      podIP,
      plans,
      dirs,
      extraMounts: [
        { hostPath: join(etc, 'hosts'), containerPath: '/etc/hosts', readOnly: true },
        { hostPath: join(etc, 'hostname'), containerPath: '/etc/hostname', readOnly: true },
      ],
    },
  };
}
