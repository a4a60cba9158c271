import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { useKubectlServer } from './harness.js';

/**
 * PodSecurity admission through the real kubectl: namespace labels choose the level, enforce
 * refuses pods with Kubernetes' message, warn (and pod templates) come back as kubectl warnings,
 * unlabelled namespaces get the cluster default (baseline), kube-system is exempt.
 */
describe('PodSecurity admission', () => {
  const k = useKubectlServer('skiff-psa-');

  const file = (name: string, text: string) => {
    const path = join(k.dir, name);
    writeFileSync(path, text);
    return path;
  };

  const privilegedPod = (namespace: string) =>
    file(`privileged-${namespace}.yaml`, `
apiVersion: v1
kind: Pod
metadata: {name: x, namespace: ${namespace}}
spec:
  containers:
  - {name: c, image: busybox, securityContext: {privileged: true}}
`);

  const hostPathPod = (namespace: string) =>
    file(`hostpath-${namespace}.yaml`, `
apiVersion: v1
kind: Pod
metadata: {name: h, namespace: ${namespace}}
spec:
  volumes: [{name: root, hostPath: {path: /}}]
  containers: [{name: c, image: busybox}]
`);

  it('refuses a privileged pod in a namespace that enforces restricted, with Kubernetes\' message', async () => {
    expect((await k.run(['create', 'namespace', 'locked'])).code).toBe(0);
    expect((await k.run(['label', 'namespace', 'locked', 'pod-security.kubernetes.io/enforce=restricted'])).code).toBe(0);
    const refused = await k.run(['apply', '-f', privilegedPod('locked')]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(
      'Error from server (Forbidden): error when creating "' + join(k.dir, 'privileged-locked.yaml') + '": pods "x" is forbidden: violates PodSecurity "restricted:latest": ' +
        'privileged (container "c" must not set securityContext.privileged=true), ' +
        'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ' +
        'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), ' +
        'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ' +
        'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    );
    expect((await k.run(['get', 'pod', 'x', '-n', 'locked'])).code).not.toBe(0);
  });

  it('names the label\'s version in the message', async () => {
    await k.run(['create', 'namespace', 'versioned']);
    expect((await k.run(['label', 'namespace', 'versioned', 'pod-security.kubernetes.io/enforce=baseline', 'pod-security.kubernetes.io/enforce-version=v1.30'])).code).toBe(0);
    const refused = await k.run(['apply', '-f', privilegedPod('versioned')]);
    expect(refused.stderr).toContain('pods "x" is forbidden: violates PodSecurity "baseline:v1.30": privileged (container "c" must not set securityContext.privileged=true)');
  });

  it('warns with kubectl Warning lines under a warn label, and creates the pod', async () => {
    await k.run(['create', 'namespace', 'watched']);
    await k.run(['label', 'namespace', 'watched', 'pod-security.kubernetes.io/enforce=privileged', 'pod-security.kubernetes.io/warn=baseline']);
    const created = await k.run(['apply', '-f', privilegedPod('watched')]);
    expect(created.code).toBe(0);
    expect(created.stderr).toContain('Warning: would violate PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)');
    expect(created.stdout).toContain('pod/x created');
  });

  it('only warns about a Deployment\'s pod template; its pods meet enforcement', async () => {
    await k.run(['create', 'namespace', 'templated']);
    await k.run(['label', 'namespace', 'templated', 'pod-security.kubernetes.io/enforce=restricted', 'pod-security.kubernetes.io/warn=restricted']);
    const path = file('deployment.yaml', `
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: templated}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      hostNetwork: true
      containers: [{name: web, image: nginx}]
`);
    const created = await k.run(['apply', '-f', path]);
    expect(created.code).toBe(0);
    expect(created.stderr).toContain('Warning: would violate PodSecurity "restricted:latest": host namespaces (hostNetwork=true), allowPrivilegeEscalation != false (container "web" must set securityContext.allowPrivilegeEscalation=false), ');
    expect(created.stdout).toContain('deployment.apps/web created');
  });

  it('refuses a hostPath pod in an unlabelled namespace (the baseline default), and allows it in kube-system', async () => {
    await k.run(['create', 'namespace', 'plain']);
    const refused = await k.run(['apply', '-f', hostPathPod('plain')]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('pods "h" is forbidden: violates PodSecurity "baseline:latest": hostPath volumes (volume "root")');
    const system = await k.run(['apply', '-f', hostPathPod('kube-system')]);
    expect(system.out).toContain('pod/h created');
    expect(system.stderr).not.toContain('Warning');
  });

  it('warns about existing pods when a namespace\'s enforce level tightens', async () => {
    await k.run(['create', 'namespace', 'tightened']);
    await k.run(['label', 'namespace', 'tightened', 'pod-security.kubernetes.io/enforce=privileged']);
    expect((await k.run(['apply', '-f', privilegedPod('tightened')])).code).toBe(0);
    const labelled = await k.run(['label', '--overwrite', 'namespace', 'tightened', 'pod-security.kubernetes.io/enforce=baseline']);
    expect(labelled.code).toBe(0);
    expect(labelled.stderr).toContain('Warning: existing pods in namespace "tightened" violate the new PodSecurity enforce level "baseline:latest"');
    expect(labelled.stderr).toContain('Warning: x: privileged');
    expect(labelled.stdout).toContain('namespace/tightened labeled');
  });

  it('refuses a namespace label that names no level', async () => {
    await k.run(['create', 'namespace', 'typo']);
    const refused = await k.run(['label', 'namespace', 'typo', 'pod-security.kubernetes.io/enforce=strict']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('Namespace "typo" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted');
  });
});
