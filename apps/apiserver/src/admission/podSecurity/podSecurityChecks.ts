import type { Container, EphemeralContainer, PodSpec, SecurityContext } from 'kubernetes-types/core/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';

/**
 * The Pod Security Standards' checks (Kubernetes' k8s.io/pod-security-admission/policy), as pure
 * functions of a pod's metadata and spec. Each returns undefined when the pod passes, or a
 * `{ reason, detail }` worded as Kubernetes words it, so a refusal reads
 * `privileged (container "c" must not set securityContext.privileged=true)`.
 * Every check runs at its latest version, whatever version a namespace label names.
 */

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

export interface CheckResult {
  reason: string;
  detail: string;
}

interface Check {
  id: string;
  level: 'baseline' | 'restricted';
  /** Baseline checks a restricted check replaces (hostPath volumes are one restricted volume type). */
  overrides?: string[];
  evaluate(meta: ObjectMeta, spec: PodSpec): CheckResult | undefined;
}

type AnyContainer = Container | EphemeralContainer;

function allContainers(spec: PodSpec): AnyContainer[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}

function sc(c: AnyContainer): SecurityContext {
  return c.securityContext ?? {};
}

function pluralize(singular: string, plural: string, n: number): string {
  return n === 1 ? singular : plural;
}

function joinQuote(items: readonly string[]): string {
  return items.map((s) => JSON.stringify(s)).join(', ');
}

/** `container "a"` / `containers "a", "b"`. */
function containersPhrase(names: readonly string[]): string {
  return `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;
}

/** `pod`, `containers "a"`, `pod and container "a"`: who set a forbidden value. */
function setters(pod: boolean, names: readonly string[]): string {
  const who = pod ? ['pod'] : [];
  if (names.length) who.push(containersPhrase(names));
  return who.join(' and ');
}

function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort();
}

function namesWhere(spec: PodSpec, bad: (c: AnyContainer) => boolean): string[] {
  return allContainers(spec)
    .filter(bad)
    .map((c) => c.name);
}

/** The containers for which `pick` finds something, and all it found, in container order. */
function perContainer<T>(spec: PodSpec, pick: (c: AnyContainer) => T[]): { names: string[]; found: T[] } {
  const names: string[] = [];
  const found: T[] = [];
  for (const c of allContainers(spec)) {
    const picked = pick(c);
    if (!picked.length) continue;
    names.push(c.name);
    found.push(...picked);
  }
  return { names, found };
}

const isWindows = (spec: PodSpec) => spec.os?.name === 'windows';

/** Capabilities a baseline container may add: the container runtimes' defaults. */
const BASELINE_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);

const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ping_group_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
  'net.ipv4.tcp_rmem',
  'net.ipv4.tcp_wmem',
]);

const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);

const RESTRICTED_VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);

const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';

const CHECKS: Check[] = [
  {
    id: 'allowPrivilegeEscalation',
    level: 'restricted',
    evaluate(_meta, spec) {
      if (isWindows(spec)) return undefined;
      const bad = namesWhere(spec, (c) => sc(c).allowPrivilegeEscalation !== false);
      if (!bad.length) return undefined;
      return { reason: 'allowPrivilegeEscalation != false', detail: `${containersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false` };
    },
  },
  {
    id: 'appArmorProfile',
    level: 'baseline',
    evaluate(meta, spec) {
      const forbidden: string[] = [];
      const badType = (t: string | undefined) => t !== undefined && t !== 'RuntimeDefault' && t !== 'Localhost';
      if (badType(spec.securityContext?.appArmorProfile?.type)) forbidden.push(`pod must not set securityContext.appArmorProfile.type to ${JSON.stringify(spec.securityContext!.appArmorProfile!.type)}`);
      for (const c of allContainers(spec)) {
        const t = sc(c).appArmorProfile?.type;
        if (badType(t)) forbidden.push(`container ${JSON.stringify(c.name)} must not set securityContext.appArmorProfile.type to ${JSON.stringify(t)}`);
      }
      for (const [key, value] of Object.entries<string>(meta.annotations ?? {})) {
        if (!key.startsWith(APPARMOR_ANNOTATION)) continue;
        if (value === '' || value === 'runtime/default' || value.startsWith('localhost/')) continue;
        forbidden.push(`${key}=${JSON.stringify(value)}`);
      }
      if (!forbidden.length) return undefined;
      return { reason: pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', forbidden.length), detail: forbidden.join(', ') };
    },
  },
  {
    id: 'capabilities_baseline',
    level: 'baseline',
    evaluate(_meta, spec) {
      const { names, found: caps } = perContainer(spec, (c) => (sc(c).capabilities?.add ?? []).filter((cap) => !BASELINE_CAPABILITIES.has(cap)));
      if (!names.length) return undefined;
      const unique = sortedUnique(caps);
      return { reason: 'non-default capabilities', detail: `${containersPhrase(names)} must not include ${joinQuote(unique)} in securityContext.capabilities.add` };
    },
  },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    overrides: ['capabilities_baseline'],
    evaluate(_meta, spec) {
      if (isWindows(spec)) return undefined;
      const missingDrop = namesWhere(spec, (c) => !(sc(c).capabilities?.drop ?? []).includes('ALL'));
      const { names: adding, found: caps } = perContainer(spec, (c) => (sc(c).capabilities?.add ?? []).filter((cap) => cap !== 'NET_BIND_SERVICE'));
      const details: string[] = [];
      if (missingDrop.length) details.push(`${containersPhrase(missingDrop)} must set securityContext.capabilities.drop=["ALL"]`);
      if (adding.length) details.push(`${containersPhrase(adding)} must not include ${joinQuote(sortedUnique(caps))} in securityContext.capabilities.add`);
      return details.length ? { reason: 'unrestricted capabilities', detail: details.join('; ') } : undefined;
    },
  },
  {
    id: 'hostNamespaces',
    level: 'baseline',
    evaluate(_meta, spec) {
      const set = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((f) => spec[f] === true).map((f) => `${f}=true`);
      return set.length ? { reason: 'host namespaces', detail: set.join(', ') } : undefined;
    },
  },
  {
    id: 'hostPathVolumes',
    level: 'baseline',
    evaluate(_meta, spec) {
      const bad = (spec.volumes ?? []).filter((v) => v.hostPath).map((v) => v.name);
      return bad.length ? { reason: 'hostPath volumes', detail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)}` } : undefined;
    },
  },
  {
    id: 'hostPorts',
    level: 'baseline',
    evaluate(_meta, spec) {
      const { names, found: ports } = perContainer(spec, (c) => (c.ports ?? []).map((p) => p.hostPort ?? 0).filter((p) => p !== 0));
      if (!names.length) return undefined;
      const verb = pluralize('uses', 'use', names.length);
      return { reason: 'hostPort', detail: `${containersPhrase(names)} ${verb} ${pluralize('hostPort', 'hostPorts', ports.length)} ${ports.join(', ')}` };
    },
  },
  {
    id: 'hostProcess',
    level: 'baseline',
    evaluate(_meta, spec) {
      const pod = spec.securityContext?.windowsOptions?.hostProcess === true;
      const bad = namesWhere(spec, (c) => sc(c).windowsOptions?.hostProcess === true);
      if (!pod && !bad.length) return undefined;
      return { reason: 'hostProcess', detail: `${setters(pod, bad)} must not set securityContext.windowsOptions.hostProcess=true` };
    },
  },
  {
    id: 'privileged',
    level: 'baseline',
    evaluate(_meta, spec) {
      const bad = namesWhere(spec, (c) => sc(c).privileged === true);
      return bad.length ? { reason: 'privileged', detail: `${containersPhrase(bad)} must not set securityContext.privileged=true` } : undefined;
    },
  },
  {
    id: 'procMount',
    level: 'baseline',
    evaluate(_meta, spec) {
      const bad = allContainers(spec).filter((c) => sc(c).procMount !== undefined && sc(c).procMount !== 'Default');
      if (!bad.length) return undefined;
      const values = sortedUnique(bad.map((c) => sc(c).procMount!));
      return { reason: 'procMount', detail: `${containersPhrase(bad.map((c) => c.name))} must not set securityContext.procMount to ${joinQuote(values)}` };
    },
  },
  {
    id: 'restrictedVolumes',
    level: 'restricted',
    overrides: ['hostPathVolumes'],
    evaluate(_meta, spec) {
      const names: string[] = [];
      const types: string[] = [];
      for (const v of spec.volumes ?? []) {
        const sources = Object.keys(v).filter((k) => k !== 'name');
        if (sources.length && sources.every((s) => RESTRICTED_VOLUME_TYPES.has(s))) continue;
        const forbidden = sources.filter((s) => !RESTRICTED_VOLUME_TYPES.has(s));
        names.push(v.name);
        types.push(...(forbidden.length ? forbidden : ['unknown']));
      }
      if (!names.length) return undefined;
      const unique = sortedUnique(types);
      const verb = pluralize('uses', 'use', names.length);
      return { reason: 'restricted volume types', detail: `${pluralize('volume', 'volumes', names.length)} ${joinQuote(names)} ${verb} ${pluralize('restricted volume type', 'restricted volume types', unique.length)} ${joinQuote(unique)}` };
    },
  },
  {
    id: 'runAsNonRoot',
    level: 'restricted',
    evaluate(_meta, spec) {
      const podValue = spec.securityContext?.runAsNonRoot;
      const explicitlyFalse = namesWhere(spec, (c) => sc(c).runAsNonRoot === false);
      const implicit = podValue === true ? [] : namesWhere(spec, (c) => sc(c).runAsNonRoot === undefined);
      const details: string[] = [];
      if (podValue === false) details.push('pod must not set securityContext.runAsNonRoot=false');
      if (explicitlyFalse.length) details.push(`${containersPhrase(explicitlyFalse)} must not set securityContext.runAsNonRoot=false`);
      if (implicit.length) details.push(`pod or ${containersPhrase(implicit)} must set securityContext.runAsNonRoot=true`);
      return details.length ? { reason: 'runAsNonRoot != true', detail: details.join('; ') } : undefined;
    },
  },
  {
    id: 'runAsUser',
    level: 'restricted',
    evaluate(_meta, spec) {
      const pod = spec.securityContext?.runAsUser === 0;
      const bad = namesWhere(spec, (c) => sc(c).runAsUser === 0);
      return pod || bad.length ? { reason: 'runAsUser=0', detail: `${setters(pod, bad)} must not set runAsUser=0` } : undefined;
    },
  },
  {
    id: 'seLinuxOptions',
    level: 'baseline',
    evaluate(_meta, spec) {
      const types = new Set<string>();
      const users = new Set<string>();
      const roles = new Set<string>();
      const isBad = (o: SecurityContext['seLinuxOptions']): boolean => {
        if (!o) return false;
        let bad = false;
        if (!SELINUX_TYPES.has(o.type ?? '')) (bad = true), types.add(o.type!);
        if (o.user) (bad = true), users.add(o.user);
        if (o.role) (bad = true), roles.add(o.role);
        return bad;
      };
      const pod = isBad(spec.securityContext?.seLinuxOptions);
      const bad = namesWhere(spec, (c) => isBad(sc(c).seLinuxOptions));
      if (!pod && !bad.length) return undefined;
      const what: string[] = [];
      if (types.size) what.push(`${pluralize('type', 'types', types.size)} ${joinQuote(sortedUnique(types))}`);
      if (users.size) what.push(`${pluralize('user', 'users', users.size)} ${joinQuote(sortedUnique(users))}`);
      if (roles.size) what.push(`${pluralize('role', 'roles', roles.size)} ${joinQuote(sortedUnique(roles))}`);
      return { reason: 'seLinuxOptions', detail: `${setters(pod, bad)} set forbidden securityContext.seLinuxOptions: ${what.join('; ')}` };
    },
  },
  {
    id: 'seccompProfile_baseline',
    level: 'baseline',
    evaluate(_meta, spec) {
      const pod = spec.securityContext?.seccompProfile?.type === 'Unconfined';
      const bad = namesWhere(spec, (c) => sc(c).seccompProfile?.type === 'Unconfined');
      return pod || bad.length ? { reason: 'seccompProfile', detail: `${setters(pod, bad)} must not set securityContext.seccompProfile.type to "Unconfined"` } : undefined;
    },
  },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    overrides: ['seccompProfile_baseline'],
    evaluate(_meta, spec) {
      if (isWindows(spec)) return undefined;
      const allowed = (t: string | undefined) => t === 'RuntimeDefault' || t === 'Localhost';
      const podType = spec.securityContext?.seccompProfile?.type;
      const pod = podType !== undefined && !allowed(podType);
      const explicit = allContainers(spec).filter((c) => sc(c).seccompProfile?.type !== undefined && !allowed(sc(c).seccompProfile!.type));
      const implicit = podType !== undefined ? [] : namesWhere(spec, (c) => sc(c).seccompProfile?.type === undefined);
      const details: string[] = [];
      if (pod || explicit.length) {
        const values = sortedUnique([...(pod ? [podType!] : []), ...explicit.map((c) => sc(c).seccompProfile!.type)]);
        details.push(`${setters(pod, explicit.map((c) => c.name))} must not set securityContext.seccompProfile.type to ${joinQuote(values)}`);
      }
      if (implicit.length) details.push(`pod or ${containersPhrase(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`);
      return details.length ? { reason: 'seccompProfile', detail: details.join('; ') } : undefined;
    },
  },
  {
    id: 'sysctls',
    level: 'baseline',
    evaluate(_meta, spec) {
      const bad = (spec.securityContext?.sysctls ?? []).map((s) => s.name).filter((n) => !SAFE_SYSCTLS.has(n));
      return bad.length ? { reason: 'forbidden sysctls', detail: bad.join(', ') } : undefined;
    },
  },
];

/**
 * The checks a level runs, in Kubernetes' order: baseline's, then restricted's, each by check id,
 * restricted ones replacing the baseline ones they supersede. So a privileged pod in a restricted
 * namespace reads `privileged (...), allowPrivilegeEscalation != false (...), ...`.
 */
function checksFor(level: PodSecurityLevel): Check[] {
  if (level === 'privileged') return [];
  const selected = CHECKS.filter((c) => c.level === 'baseline' || level === 'restricted');
  const overridden = new Set(selected.flatMap((c) => c.overrides ?? []));
  const byId = (a: Check, b: Check) => (a.id < b.id ? -1 : 1);
  const kept = selected.filter((c) => !overridden.has(c.id));
  return [...kept.filter((c) => c.level === 'baseline').sort(byId), ...kept.filter((c) => c.level === 'restricted').sort(byId)];
}

/** What `pod` (or a pod template's metadata and spec) breaks of `level`; empty when it is allowed. */
export function podSecurityViolations(level: PodSecurityLevel, meta: ObjectMeta, spec: PodSpec): CheckResult[] {
  const out: CheckResult[] = [];
  for (const check of checksFor(level)) {
    const result = check.evaluate(meta, spec);
    if (result) out.push(result);
  }
  return out;
}
