import type { KubeObject } from '@skiff/apimachinery';
import { endpointsByService } from './endpointSlices.js';
import { hasClusterIP, isHeadless, namespacedName, serviceSpec } from './serviceTypes.js';
import { isTerminating, NO_TERMINATING_PODS, type TerminatingPods } from './terminatingPods.js';

export const DNS_TTL_SECONDS = 5;

/** Lower-case fully qualified names (no trailing dot) to their A records. */
export type DnsRecords = Map<string, string[]>;

/**
 * The cluster's names, as in the Kubernetes DNS spec:
 * - `<svc>.<ns>.svc.<domain>`: the ClusterIP, or for a headless Service each ready endpoint address;
 * - `<hostname>.<svc>.<ns>.svc.<domain>`: an endpoint address that carries a hostname (StatefulSet pods).
 */
export function buildDnsRecords(services: readonly KubeObject[], slices: readonly KubeObject[], domain: string, terminating: TerminatingPods = NO_TERMINATING_PODS): DnsRecords {
  const byService = endpointsByService(slices);
  const records: DnsRecords = new Map();
  for (const svc of services) {
    const spec = serviceSpec(svc);
    const name = `${svc.metadata.name}.${svc.metadata.namespace ?? 'default'}.svc.${domain}`.toLowerCase();
    const ready = (byService.get(namespacedName(svc)) ?? []).filter((e) => e.ready && !e.terminating && !isTerminating(e, terminating));
    if (hasClusterIP(spec)) records.set(name, [spec.clusterIP!]);
    else if (isHeadless(spec)) records.set(name, [...new Set(ready.map((a) => a.ip))].sort());
    else continue;
    for (const a of ready) {
      if (!a.hostname) continue;
      const host = `${a.hostname}.${name}`.toLowerCase();
      records.set(host, [...new Set([...(records.get(host) ?? []), a.ip])]);
    }
  }
  return records;
}

export type DnsAnswer =
  | { kind: 'answer'; rcode: 'NOERROR' | 'NXDOMAIN'; name: string; addresses: string[] }
  | { kind: 'forward' };

/**
 * How to answer one question: inside the cluster domain from `records` (a known name asked for
 * anything but A gets NOERROR with no answers), anything else goes to the host's resolver.
 * Names are case-insensitive and may end in a dot.
 */
export function answerQuestion(records: DnsRecords, question: { name: string; type: string }, domain: string): DnsAnswer {
  const name = question.name.replace(/\.$/, '').toLowerCase();
  const zone = domain.toLowerCase();
  if (name !== zone && !name.endsWith(`.${zone}`)) return { kind: 'forward' };
  const addresses = records.get(name);
  if (!addresses) return { kind: 'answer', rcode: 'NXDOMAIN', name, addresses: [] };
  return { kind: 'answer', rcode: 'NOERROR', name, addresses: question.type === 'A' || question.type === 'ANY' ? addresses : [] };
}

/** The first nameserver in resolv.conf text that is not one of `exclude` (the proxy's own address). */
export function hostNameserver(resolvConf: string, exclude: readonly string[]): string | undefined {
  for (const line of resolvConf.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line);
    if (m && !exclude.includes(m[1])) return m[1];
  }
  return undefined;
}
