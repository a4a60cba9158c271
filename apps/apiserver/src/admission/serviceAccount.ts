import { randomInt } from 'node:crypto';
import { KUBE_API_ACCESS_PREFIX, PROJECTED_TOKEN_EXPIRATION_SECONDS, ROOT_CA_CONFIG_MAP, SERVICE_ACCOUNT_TOKEN_MOUNT_PATH, type KubeObject } from '@skiff/apimachinery';
import type { Container, Pod, ServiceAccount, Volume } from 'kubernetes-types/core/v1.js';
import { clone } from '../objects.js';

/** Kubernetes' utilrand alphabet: no vowels, no look-alikes (0/o, 1/l). */
const SUFFIX_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function randomVolumeSuffix(): string {
  return Array.from({ length: 5 }, () => SUFFIX_ALPHABET[randomInt(SUFFIX_ALPHABET.length)]).join('');
}

/** The ServiceAccount a pod runs as: its own choice, else `default`. */
export function podServiceAccountName(pod: KubeObject): string {
  return (pod.spec as Pod['spec'])?.serviceAccountName || 'default';
}

/** Static pods' mirrors are left alone, as Kubernetes' plugin leaves them. */
export function isMirrorPod(pod: KubeObject): boolean {
  return !!pod.metadata.annotations?.['kubernetes.io/config.mirror'];
}

/** The projected volume kube-apiserver adds: a token bound to the pod, the cluster CA and the namespace. */
export function kubeApiAccessVolume(name: string): Volume {
  return {
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: PROJECTED_TOKEN_EXPIRATION_SECONDS, path: 'token' } },
        { configMap: { name: ROOT_CA_CONFIG_MAP, items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

/**
 * ServiceAccount admission's mutation (plugin/pkg/admission/serviceaccount): the pod names its
 * account (`default` unless it chose one) and, unless the pod or else the account opts out with
 * `automountServiceAccountToken: false`, every container and init container that does not mount
 * something at /var/run/secrets/kubernetes.io/serviceaccount mounts the `kube-api-access-xxxxx`
 * volume there, read-only.
 */
export function admitServiceAccount(pod: KubeObject, serviceAccount: ServiceAccount, suffix: string): KubeObject {
  const next = clone(pod);
  const spec = (next.spec ?? {}) as NonNullable<Pod['spec']>;
  next.spec = spec as unknown as KubeObject['spec'];
  spec.serviceAccountName = podServiceAccountName(pod);
  const automount = spec.automountServiceAccountToken ?? serviceAccount.automountServiceAccountToken ?? true;
  if (!automount) return next;
  const containers: Container[] = [...(spec.initContainers ?? []), ...(spec.containers ?? [])];
  const lacking = containers.filter((c) => !(c.volumeMounts ?? []).some((m) => m.mountPath === SERVICE_ACCOUNT_TOKEN_MOUNT_PATH));
  if (lacking.length === 0) return next;
  const existing = (spec.volumes ?? []).find((v) => v.name.startsWith(KUBE_API_ACCESS_PREFIX) && v.projected);
  const volume = existing ?? kubeApiAccessVolume(`${KUBE_API_ACCESS_PREFIX}${suffix}`);
  if (!existing) spec.volumes = [...(spec.volumes ?? []), volume];
  for (const c of lacking) c.volumeMounts = [...(c.volumeMounts ?? []), { name: volume.name, readOnly: true, mountPath: SERVICE_ACCOUNT_TOKEN_MOUNT_PATH }];
  return next;
}
