import type { KubeObject } from '@skiff/apimachinery';

/**
 * Pods that have been asked to stop (deletionTimestamp set). The endpoints controller drops them
 * from Endpoints too, but only after a round trip through the API server; the proxy reacts to the
 * Pod update itself so a pod leaves rotation before its node agent sends SIGTERM.
 */
export interface TerminatingPods {
  uids: ReadonlySet<string>;
  ips: ReadonlySet<string>;
}

export const NO_TERMINATING_PODS: TerminatingPods = { uids: new Set(), ips: new Set() };

export function terminatingPods(pods: readonly KubeObject[]): TerminatingPods {
  const uids = new Set<string>();
  const ips = new Set<string>();
  for (const pod of pods) {
    if (!pod.metadata.deletionTimestamp) continue;
    if (pod.metadata.uid) uids.add(pod.metadata.uid);
    const status = (pod.status ?? {}) as { podIP?: string; podIPs?: { ip: string }[] };
    if (status.podIP) ips.add(status.podIP);
    for (const { ip } of status.podIPs ?? []) ips.add(ip);
  }
  return { uids, ips };
}

export function isTerminating(address: { ip: string; targetRef?: { uid?: string } }, terminating: TerminatingPods): boolean {
  const uid = address.targetRef?.uid;
  return (uid !== undefined && terminating.uids.has(uid)) || terminating.ips.has(address.ip);
}
