import { describe, expect, it } from 'vitest';
import type { Container, PodSpec } from 'kubernetes-types/core/v1.js';
import { podSecurityViolations, type PodSecurityLevel } from './podSecurityChecks.js';

/** What a pod that sets every restricted field looks like; cases break one thing at a time. */
function restrictedSpec(container: Partial<Container> = {}, spec: Partial<PodSpec> = {}): PodSpec {
  return {
    securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [{ name: 'c', image: 'busybox', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } }, ...container }],
    ...spec,
  };
}

const described = (level: PodSecurityLevel, spec: PodSpec, annotations?: Record<string, string>) =>
  podSecurityViolations(level, { name: 'p', annotations }, spec).map((v) => `${v.reason} (${v.detail})`);

describe('podSecurityViolations', () => {
  it('allows a pod that sets every restricted field at every level', () => {
    for (const level of ['privileged', 'baseline', 'restricted'] as const) expect(described(level, restrictedSpec())).toEqual([]);
  });

  it('allows anything at privileged', () => {
    expect(described('privileged', { hostNetwork: true, containers: [{ name: 'c', securityContext: { privileged: true } }] })).toEqual([]);
  });

  it.each<[string, PodSpec, string[]]>([
    ['privileged containers', { containers: [{ name: 'a', securityContext: { privileged: true } }, { name: 'b', securityContext: { privileged: true } }] }, ['privileged (containers "a", "b" must not set securityContext.privileged=true)']],
    ['host namespaces', { hostNetwork: true, hostIPC: true, containers: [{ name: 'c' }] }, ['host namespaces (hostNetwork=true, hostIPC=true)']],
    ['hostPath volumes', { volumes: [{ name: 'data', hostPath: { path: '/srv' } }, { name: 'tmp', emptyDir: {} }], containers: [{ name: 'c' }] }, ['hostPath volumes (volume "data")']],
    ['host ports', { containers: [{ name: 'c', ports: [{ containerPort: 80, hostPort: 8080 }, { containerPort: 443, hostPort: 8443 }] }] }, ['hostPort (container "c" uses hostPorts 8080, 8443)']],
    ['non-default capabilities', { containers: [{ name: 'c', securityContext: { capabilities: { add: ['SYS_ADMIN', 'CHOWN', 'NET_ADMIN'] } } }] }, ['non-default capabilities (container "c" must not include "NET_ADMIN", "SYS_ADMIN" in securityContext.capabilities.add)']],
    ['Unconfined seccomp', { securityContext: { seccompProfile: { type: 'Unconfined' } }, containers: [{ name: 'c' }] }, ['seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")']],
    ['unsafe sysctls', { securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '1' }, { name: 'net.ipv4.tcp_syncookies', value: '1' }] }, containers: [{ name: 'c' }] }, ['forbidden sysctls (kernel.msgmax)']],
    ['an unmasked /proc', { containers: [{ name: 'c', securityContext: { procMount: 'Unmasked' } }] }, ['procMount (container "c" must not set securityContext.procMount to "Unmasked")']],
    ['a custom SELinux user', { securityContext: { seLinuxOptions: { user: 'root' } }, containers: [{ name: 'c' }] }, ['seLinuxOptions (pod set forbidden securityContext.seLinuxOptions: user "root")']],
    ['hostProcess', { containers: [{ name: 'c', securityContext: { windowsOptions: { hostProcess: true } } }] }, ['hostProcess (container "c" must not set securityContext.windowsOptions.hostProcess=true)']],
  ])('baseline refuses %s', (_name, spec, expected) => {
    expect(described('baseline', spec)).toEqual(expected);
  });

  it('baseline refuses an unconfined AppArmor annotation', () => {
    expect(described('baseline', { containers: [{ name: 'c' }] }, { 'container.apparmor.security.beta.kubernetes.io/c': 'unconfined' })).toEqual([
      'forbidden AppArmor profile (container.apparmor.security.beta.kubernetes.io/c="unconfined")',
    ]);
  });

  it('restricted names every missing field of a plain pod, in Kubernetes order', () => {
    expect(described('restricted', { containers: [{ name: 'nginx', image: 'nginx' }] })).toEqual([
      'allowPrivilegeEscalation != false (container "nginx" must set securityContext.allowPrivilegeEscalation=false)',
      'unrestricted capabilities (container "nginx" must set securityContext.capabilities.drop=["ALL"])',
      'runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true)',
      'seccompProfile (pod or container "nginx" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    ]);
  });

  it.each<[string, PodSpec, string[]]>([
    ['a hostPath volume as a restricted volume type', restrictedSpec({}, { volumes: [{ name: 'h', hostPath: { path: '/' } }, { name: 'n', nfs: { server: 's', path: '/' } }] }), ['restricted volume types (volumes "h", "n" use restricted volume types "hostPath", "nfs")']],
    ['added capabilities but NET_BIND_SERVICE', restrictedSpec({ securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE', 'NET_RAW'] } } }), ['unrestricted capabilities (container "c" must not include "NET_RAW" in securityContext.capabilities.add)']],
    ['runAsUser 0', restrictedSpec({}, { securityContext: { runAsNonRoot: true, runAsUser: 0, seccompProfile: { type: 'RuntimeDefault' } } }), ['runAsUser=0 (pod must not set runAsUser=0)']],
    ['runAsNonRoot=false on a container', restrictedSpec({ securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: false } }), ['runAsNonRoot != true (container "c" must not set securityContext.runAsNonRoot=false)']],
    ['a container seccomp Unconfined', restrictedSpec({ securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'Unconfined' } } }), ['seccompProfile (container "c" must not set securityContext.seccompProfile.type to "Unconfined")']],
  ])('restricted refuses %s', (_name, spec, expected) => {
    expect(described('restricted', spec)).toEqual(expected);
  });
});
