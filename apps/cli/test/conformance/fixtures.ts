import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Manifests with the shapes test/cmd reads from `test/fixtures/...` and `hack/testdata/...`
 * (same names, labels, containers and images as there; written here, not copied). Nothing has to
 * run, so the images are never pulled.
 */

const pod = (name: string, labels: Record<string, string>, container: string, image: string, extra = '') => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  labels:
${Object.entries(labels)
  .map(([k, v]) => `    ${k}: "${v}"`)
  .join('\n')}
spec:
  containers:
  - name: ${container}
    image: ${image}
${extra}`;

const VALID_POD = pod('valid-pod', { name: 'valid-pod' }, 'kubernetes-serve-hostname', 'registry.k8s.io/serve_hostname', `    resources:
      limits:
        cpu: "1"
        memory: 512Mi
      requests:
        cpu: "1"
        memory: 512Mi
`);

/** A Deployment or ReplicaSet whose labels are also its selector and its pod template's labels. */
const workload = (kind: 'Deployment' | 'ReplicaSet', name: string, labels: Record<string, string>, replicas: number, containers: string) => {
  const block = (indent: string) => Object.entries(labels).map(([k, v]) => `${indent}${k}: ${v}`).join('\n');
  return `apiVersion: apps/v1
kind: ${kind}
metadata:
  name: ${name}
  labels:
${block('    ')}
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
${block('      ')}
  template:
    metadata:
      labels:
${block('        ')}
    spec:
      containers:
${containers}`;
};

const deployment = (name: string, labels: Record<string, string>, replicas: number, containers: [string, string][]) =>
  workload('Deployment', name, labels, replicas, containers.map(([n, image]) => `      - name: ${n}\n        image: ${image}\n        ports:\n        - containerPort: 80\n`).join(''));

const replicaSet = (name: string, labels: Record<string, string>, replicas: number, container: string, image: string) =>
  workload('ReplicaSet', name, labels, replicas, `      - name: ${container}
        image: ${image}
        resources:
          requests:
            cpu: 100m
            memory: 100Mi
        env:
        - name: GET_HOSTS_FROM
          value: dns
        ports:
        - containerPort: 80
`);

const service = (name: string, labels: Record<string, string>, port: number, extra = '') => `apiVersion: v1
kind: Service
metadata:
  name: ${name}
  labels:
${Object.entries(labels).map(([k, v]) => `    ${k}: ${v}`).join('\n')}
spec:
  ports:
  - port: ${port}
    targetPort: ${port}
  selector:
${Object.entries(labels).map(([k, v]) => `    ${k}: ${v}`).join('\n')}
${extra}`;

const MOCK_SERVICE = JSON.stringify({
  kind: 'Service',
  apiVersion: 'v1',
  metadata: { name: 'mock', labels: { app: 'mock' } },
  spec: { ports: [{ protocol: 'TCP', port: 99, targetPort: 9949 }], selector: { app: 'mock' } },
});
const MOCK_RC = JSON.stringify({
  kind: 'ReplicationController',
  apiVersion: 'v1',
  metadata: { name: 'mock', labels: { app: 'mock', status: 'replaced' } },
  spec: { replicas: 1, selector: { app: 'mock' }, template: { metadata: { labels: { app: 'mock' } }, spec: { containers: [{ name: 'mock-container', image: 'registry.k8s.io/pause:3.10', ports: [{ containerPort: 9949, protocol: 'TCP' }] }] } } },
});

export const IMAGE_DEPLOYMENT_R1 = 'registry.k8s.io/nginx:test-cmd';
export const IMAGE_DEPLOYMENT_R2 = 'registry.k8s.io/nginx:1.7.9';
export const IMAGE_PERL = 'registry.k8s.io/perl';

/**
 * test/cmd pins ClusterIPs 10.0.0.x; a cluster's service range is picked at `skiff up`
 * (127.X.0.0/16), so the fixtures name the addresses and `writeFixtures` fills them in.
 */
export function serviceIps(serviceCidr: string): Record<'SVC_IP_R1' | 'SVC_IP_R2', string> {
  const [a, b] = serviceCidr.split('.');
  return { SVC_IP_R1: `${a}.${b}.200.11`, SVC_IP_R2: `${a}.${b}.200.12` };
}

export const FIXTURES: Record<string, string> = {
  'valid-pod.yaml': VALID_POD,
  'agnhost-primary-pod.yaml': pod('agnhost-primary', { app: 'agnhost', role: 'primary' }, 'primary', 'registry.k8s.io/e2e-test-images/agnhost:2.40'),
  'multi-pod.yaml': `${pod('redis-master', { app: 'redis', role: 'master', name: 'redis-master' }, 'master', 'registry.k8s.io/redis:e2e')}---\n${VALID_POD}`,
  'pod.yaml': pod('test-pod', { name: 'test-pod-label' }, 'kubernetes-pause', 'registry.k8s.io/pause:3.10'),
  'pod-apply.yaml': pod('test-pod', { name: 'test-pod-applied' }, 'kubernetes-pause', 'registry.k8s.io/pause:3.10'),
  'pod-with-precision.json': JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'pod-with-precision' },
    spec: {
      activeDeadlineSeconds: 2147483647,
      containers: [{ name: 'kubernetes-pause', image: 'registry.k8s.io/pause:3.10' }],
      restartPolicy: 'Never',
      securityContext: { supplementalGroups: [0, 1000030003, 2147483647] },
    },
  }),
  // A Service and a ReplicationController named "mock", as two JSON documents and as one List.
  'multi-resource-json.json': `${MOCK_SERVICE}\n${MOCK_RC}\n`,
  'multi-resource-list.json': `{"apiVersion": "v1", "kind": "List", "items": [${MOCK_SERVICE}, ${MOCK_RC}]}\n`,
  'pod-with-api-env.yaml': `apiVersion: v1
kind: Pod
metadata:
  name: env-test-pod
spec:
  containers:
  - name: test-container
    image: registry.k8s.io/busybox
    command: ["/bin/sh", "-c", "env"]
    env:
    - name: TEST_CMD_1
      valueFrom:
        secretKeyRef:
          name: test-secret
          key: key-1
    - name: TEST_CMD_2
      valueFrom:
        configMapKeyRef:
          name: test-configmap
          key: key-2
    - name: TEST_CMD_3
      valueFrom:
        fieldRef:
          fieldPath: metadata.name
  restartPolicy: Never
`,
  'filter/pod-apply-selector.yaml': pod('selector-test-pod', { name: 'selector-test-pod', 'unique-label': 'bingbang' }, 'kubernetes-pause', 'registry.k8s.io/pause:3.10'),
  'filter/pod-dont-apply.yaml': pod('selector-test-pod-dont-apply', { name: 'selector-test-pod-dont-apply', 'unique-label': 'biz' }, 'kubernetes-pause', 'registry.k8s.io/pause:3.10'),
  'prune/a.yaml': pod('a', { 'prune-group': 'true' }, 'kubernetes-pause', 'registry.k8s.io/pause:3.10'),
  'prune/b.yaml': pod('b', { 'prune-group': 'true' }, 'kubernetes-pause', 'registry.k8s.io/pause:3.10').replace('  name: b\n', '  name: b\n  namespace: nsb\n'),
  'prune-svc/svc.yaml': `apiVersion: v1
kind: Service
metadata:
  name: prune-svc
  labels:
    prune-group: "true"
spec:
  selector:
    prune-group-nomatch: "true"
  ports:
  - port: 80
    protocol: TCP
`,
  'service-revision1.yaml': `apiVersion: v1
kind: Service
metadata:
  name: a
spec:
  clusterIP: $SVC_IP_R1
  ports:
  - port: 80
  selector:
    app: a
`,
  'service-revision2.yaml': `apiVersion: v1
kind: Service
metadata:
  name: a
spec:
  clusterIP: $SVC_IP_R2
  ports:
  - port: 80
  selector:
    app: a
`,
  // The pod comes before its namespace: on the first apply the pod fails, the namespace is made.
  'multi-resource-1.yaml': `${pod('test-pod', { name: 'test-pod' }, 'kubernetes-pause', 'registry.k8s.io/pause:3.10').replace('  name: test-pod\n', '  name: test-pod\n  namespace: multi-resource-ns\n')}---
apiVersion: v1
kind: Namespace
metadata:
  name: multi-resource-ns
`,
  'multi-resource-2.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: foo
data:
  key: value
---
apiVersion: example.com/v1
kind: Bogus
metadata:
  name: foo
`,
  'multi-resource-3.yaml': [pod('pod-a', { name: 'pod-a' }, 'kubernetes-pause', 'registry.k8s.io/pause:3.10'), pod('POD-B', { name: 'pod-b' }, 'kubernetes-pause', 'registry.k8s.io/pause:3.10'), pod('pod-c', { name: 'pod-c' }, 'kubernetes-pause', 'registry.k8s.io/pause:3.10')].join('---\n'),
  'redis-master-service.yaml': service('redis-master', { app: 'redis', role: 'master', tier: 'backend' }, 6379),
  'redis-slave-service.yaml': service('redis-slave', { app: 'redis', role: 'slave', tier: 'backend' }, 6379),
  'deployment.yaml': deployment('nginx-deployment', { app: 'nginx' }, 3, [['nginx', 'registry.k8s.io/nginx:1.14.2']]),
  'deployment-revision1.yaml': deployment('nginx', { name: 'nginx-undo' }, 3, [['nginx', IMAGE_DEPLOYMENT_R1]]),
  'deployment-revision2.yaml': deployment('nginx', { name: 'nginx-undo' }, 3, [['nginx', IMAGE_DEPLOYMENT_R2]]),
  'deployment-multicontainer.yaml': deployment('nginx-deployment', { name: 'nginx-deployment' }, 3, [
    ['nginx', IMAGE_DEPLOYMENT_R1],
    ['perl', IMAGE_PERL],
  ]),
  'deployment-with-UnixUserID.yaml': deployment('deployment-with-unixuserid', { app: 'unixuserid' }, 1, [['nginx', IMAGE_DEPLOYMENT_R1]]).replace(
    '      containers:\n',
    '      securityContext:\n        runAsUser: 2147483647\n      containers:\n',
  ),
  'retainKeys/deployment-before.yaml': deployment('test-deployment-retainkeys', { name: 'nginx' }, 1, [['nginx', 'registry.k8s.io/nginx:1.14.2']]).replace(
    '      containers:\n',
    '      volumes:\n      - name: test-volume\n        emptyDir: {}\n      containers:\n',
  ),
  'retainKeys/deployment-after.yaml': deployment('test-deployment-retainkeys', { name: 'nginx' }, 1, [['nginx', 'registry.k8s.io/nginx:1.14.2']])
    .replace('  replicas: 1\n', '  replicas: 1\n  strategy:\n    type: Recreate\n')
    .replace('      containers:\n', '      volumes:\n      - name: test-volume\n        hostPath:\n          path: /tmp\n      containers:\n'),
  'scale-deploy-1.yaml': deployment('scale-1', { run: 'hello' }, 1, [['nginx', 'registry.k8s.io/nginx:1.14.2']]),
  'scale-deploy-2.yaml': deployment('scale-2', { run: 'hello' }, 1, [['nginx', 'registry.k8s.io/nginx:1.14.2']]),
  'scale-deploy-3.yaml': deployment('scale-3', { run: 'world' }, 1, [['nginx', 'registry.k8s.io/nginx:1.14.2']]),
  'frontend-replicaset.yaml': replicaSet('frontend', { app: 'guestbook', tier: 'frontend' }, 3, 'php-redis', 'gcr.io/google_samples/gb-frontend:v3'),
  'redis-slave-replicaset.yaml': replicaSet('redis-slave', { app: 'redis', role: 'slave', tier: 'backend' }, 2, 'slave', 'gcr.io/google_samples/gb-redisslave:v1'),
  'configmap.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: test-set-env-config
data:
  key-1: value-1
  key-2: value-2
`,
  'secret.yaml': `apiVersion: v1
kind: Secret
metadata:
  name: test-set-env-secret
type: Opaque
data:
  username: YWRtaW4=
  password: MWYyZDFlMmU2N2Rm
`,
  'configmap-user-guide.yaml': `apiVersion: v1
kind: ConfigMap
metadata:
  name: test-configmap
data:
  data-1: value-1
  data-2: value-2
  data-3: value-3
`,
  // Laid out byte for byte as test/cmd's file: run_secrets_test compares its base64.
  'dockerconfig.json': `{
    "auths":{
        "http://foo.example.com":{
            "username":"foo",
            "password":"bar",
            "email":"foo@example.com"
        },
        "http://bar.example.com":{
            "username":"bar",
            "password":"baz",
            "email":"bar@example.com"
        }
    }
}
`,
  'kustomize/kustomization.yaml': `nameprefix: test-
labels:
- pairs:
    app: nginx
  includeSelectors: true
resources:
- deployment.yaml
- service.yaml
configMapGenerator:
- name: the-map
  options:
    disableNameSuffixHash: true
  literals:
  - altGreeting=Good Morning!
  - enableRisky="false"
`,
  'kustomize/deployment.yaml': deployment('the-deployment', { deployment: 'hello' }, 1, [['the-container', 'registry.k8s.io/nginx:1.14.2']]),
  'kustomize/service.yaml': `kind: Service
apiVersion: v1
metadata:
  name: the-service
spec:
  selector:
    deployment: hello
  type: ClusterIP
  ports:
  - protocol: TCP
    port: 8666
    targetPort: 8080
`,
};

/**
 * Writes the fixtures under `dir`, keeping their sub-directories (`filter/`, `prune/`, `kustomize/`),
 * plus what test/cmd makes on the fly: 256 random bytes (the binary config map) and a TLS key pair
 * (`kubectl create secret tls` checks that key and certificate match).
 */
export function writeFixtures(dir: string, vars: Record<string, string>): void {
  for (const [name, text] of Object.entries(FIXTURES)) {
    const path = join(dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text.replace(/\$([A-Z_0-9]+)/g, (m, v: string) => vars[v] ?? m));
  }
  writeFileSync(join(dir, 'random.bin'), randomBytes(256));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=test-cmd', '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt')], { stdio: 'ignore' });
}
