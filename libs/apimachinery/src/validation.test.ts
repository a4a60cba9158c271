import { describe, expect, it } from 'vitest';
import { InvalidError, type StatusCause } from './errors.js';
import { applyDefaults, RESOURCE_TYPES } from './kinds/registry.js';
import type { Kind } from './kinds/kind.js';
import type { KubeObject } from './types.js';
import { updateCauses, validateObject, validateUpdate, validationCauses } from './validation.js';

// Objects as the API server validates them: defaulted first. Mutators get `any` so a test can
// write the same invalid JSON a client could send.
/* eslint-disable @typescript-eslint/no-explicit-any */
type Mutate = (o: any) => void;

function typeOf(kind: string): Kind {
  const t = RESOURCE_TYPES.find((r) => r.kind === kind);
  if (!t) throw new Error(`no type ${kind}`);
  return t;
}

const container = (name = 'web', image = 'example/web:v1') => ({ name, image, ports: [{ containerPort: 8080, name: 'http' }] });

const RAW: Record<string, () => KubeObject> = {
  Pod: () => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'default', labels: { app: 'web' } },
    spec: {
      containers: [
        {
          ...container(),
          env: [{ name: 'MODE', value: 'fast' }, { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }],
          resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '128Mi' } },
          livenessProbe: { httpGet: { path: '/healthz', port: 'http' } },
          readinessProbe: { tcpSocket: { port: 8080 } },
          volumeMounts: [{ name: 'config', mountPath: '/etc/web' }],
        },
      ],
      volumes: [{ name: 'config', configMap: { name: 'web-config' } }],
    },
  }),
  Deployment: () => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels: { app: 'web' } },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [container()] } } },
  }),
  ReplicaSet: () => ({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web-5d4f8', namespace: 'default' },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web', hash: '5d4f8' } }, template: { metadata: { labels: { app: 'web', hash: '5d4f8' } }, spec: { containers: [container()] } } },
    status: { replicas: 2, readyReplicas: 1, availableReplicas: 1 },
  }),
  Service: () => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default' },
    spec: { selector: { app: 'web' }, clusterIP: '10.96.0.10', ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
  }),
  Endpoints: () => ({
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'web', namespace: 'default' },
    subsets: [{ addresses: [{ ip: '10.244.0.5' }], ports: [{ port: 8080 }] }],
  }),
  ConfigMap: () => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace: 'default' }, data: { 'app.conf': 'x=1', MODE: 'fast' } }),
  Secret: () => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web-secret', namespace: 'default' }, data: { password: 'aHVudGVyMg==' } }),
  Namespace: () => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } }),
  Node: () => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'node-1', labels: { 'node-role.kubernetes.io/worker': '' } },
    spec: { podCIDR: '10.244.1.0/24', taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] },
  }),
  Lease: () => ({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'node-1', namespace: 'kube-node-lease' },
    spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: '2024-01-01T00:00:00.000000Z' },
  }),
  Event: () => ({
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'web-1.17a0', namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'web-1', namespace: 'default' },
    reason: 'Scheduled',
    message: 'Successfully assigned default/web-1 to node-1',
    type: 'Normal',
  }),
};

function build(kind: string, mutate?: Mutate): KubeObject {
  const obj = applyDefaults(RAW[kind]());
  mutate?.(obj);
  return obj;
}

function causes(kind: string, mutate?: Mutate): StatusCause[] {
  return validationCauses(build(kind, mutate), typeOf(kind));
}

describe('valid objects pass untouched', () => {
  it.each(Object.keys(RAW))('%s', (kind) => {
    const obj = build(kind);
    const before = structuredClone(obj);
    expect(validationCauses(obj, typeOf(kind))).toEqual([]);
    expect(() => validateObject(obj, typeOf(kind))).not.toThrow();
    expect(obj).toEqual(before);
  });

  it.each<[string, string, Mutate]>([
    ['a headless Service without ports', 'Service', (s) => Object.assign(s.spec, { clusterIP: 'None', ports: undefined })],
    ['a UDP Service port', 'Service', (s) => (s.spec.ports[0].protocol = 'UDP')],
    ['an SCTP port on a headless Service', 'Service', (s) => Object.assign(s.spec, { clusterIP: 'None', ports: [{ port: 9999, protocol: 'SCTP', targetPort: 9999 }] })],
    ['an ExternalName Service', 'Service', (s) => (s.spec = { type: 'ExternalName', externalName: 'db.example.com.', sessionAffinity: 'None' })],
    ['a NodePort Service in range', 'Service', (s) => Object.assign(s.spec, { type: 'NodePort', externalTrafficPolicy: 'Cluster', ports: [{ port: 80, nodePort: 30080, protocol: 'TCP', targetPort: 8080 }] })],
    ['a Deployment using matchExpressions', 'Deployment', (d) => (d.spec.selector = { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] })],
    ['a Recreate Deployment', 'Deployment', (d) => (d.spec.strategy = { type: 'Recreate' })],
    ['a Pod with a sidecar init container', 'Pod', (p) => (p.spec.initContainers = [{ name: 'proxy', image: 'proxy:1', restartPolicy: 'Always', readinessProbe: { exec: { command: ['true'] } } }])],
    ['a Pod mounting an emptyDir, a Secret and a hostPath', 'Pod', (p) => {
      p.spec.volumes.push({ name: 'tmp', emptyDir: { sizeLimit: '1Gi' } }, { name: 's', secret: { secretName: 'x' } }, { name: 'logs', hostPath: { path: '/var/log', type: 'Directory' } });
      p.spec.containers[0].volumeMounts.push({ name: 'tmp', mountPath: '/tmp' });
    }],
    ['an extended resource with request equal to limit', 'Pod', (p) => (p.spec.containers[0].resources = { requests: { 'example.com/gpu': '1' }, limits: { 'example.com/gpu': '1' } })],
    ['a Secret with an empty value and newline-wrapped base64', 'Secret', (s) => (s.data = { empty: '', long: 'aHVu\ndGVyMg==' })],
    ['a cluster-scoped event about a Node', 'Event', (e) => (e.involvedObject = { kind: 'Node', name: 'node-1' })],
    ['finalizers Kubernetes knows and qualified ones', 'ConfigMap', (c) => (c.metadata.finalizers = ['foregroundDeletion', 'example.com/cleanup'])],
  ])('%s', (_name, kind, mutate) => {
    expect(causes(kind, mutate)).toEqual([]);
  });
});

type FailCase = [title: string, kind: string, mutate: Mutate, field: string | undefined, reason: string, message?: string | RegExp];

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

const FAILURES: FailCase[] = [
  // metadata
  ['a name that is not a subdomain', 'Deployment', (d) => (d.metadata.name = 'Foo_Bar'), 'metadata.name', 'FieldValueInvalid', `Invalid value: "Foo_Bar": ${SUBDOMAIN_MSG}`],
  ['no name', 'ConfigMap', (c) => delete c.metadata.name, 'metadata.name', 'FieldValueRequired', 'Required value: name or generateName is required'],
  ['a Namespace name with dots', 'Namespace', (n) => (n.metadata.name = 'team.a'), 'metadata.name', 'FieldValueInvalid', 'Invalid value: "team.a": must not contain dots'],
  ['a Service name starting with a digit', 'Service', (s) => (s.metadata.name = '1web'), 'metadata.name', 'FieldValueInvalid', /DNS-1035 label must consist of lower case alphanumeric characters/],
  ['a bad generateName', 'Pod', (p) => (p.metadata.generateName = 'Web-'), 'metadata.generateName', 'FieldValueInvalid', /^Invalid value: "Web-": a lowercase RFC 1123 subdomain/],
  ['a label key with a space', 'Pod', (p) => (p.metadata.labels = { 'bad key': 'x' }), 'metadata.labels', 'FieldValueInvalid', /^Invalid value: "bad key": name part must consist of/],
  ['a label value with a slash', 'Pod', (p) => (p.metadata.labels = { app: 'a/b' }), 'metadata.labels', 'FieldValueInvalid', /^Invalid value: "a\/b": a valid label must be an empty string/],
  ['an annotation key with two slashes', 'Pod', (p) => (p.metadata.annotations = { 'a/b/c': 'x' }), 'metadata.annotations', 'FieldValueInvalid', /a valid label key must consist of/],
  ['a namespaced object without namespace', 'ConfigMap', (c) => delete c.metadata.namespace, 'metadata.namespace', 'FieldValueRequired', 'Required value'],
  ['a cluster-scoped object with a namespace', 'Node', (n) => (n.metadata.namespace = 'default'), 'metadata.namespace', 'FieldValueForbidden', 'Forbidden: not allowed on this type'],
  ['an unqualified non-standard finalizer', 'ConfigMap', (c) => (c.metadata.finalizers = ['cleanup']), 'metadata.finalizers[0]', 'FieldValueInvalid', 'Invalid value: "cleanup": name is neither a standard finalizer name nor is it fully qualified'],
  ['an owner reference without uid', 'Pod', (p) => (p.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs' }]), 'metadata.ownerReferences.uid', 'FieldValueInvalid', 'Invalid value: "": must not be empty'],

  // pod spec
  ['a Pod without containers', 'Pod', (p) => (p.spec.containers = []), 'spec.containers', 'FieldValueRequired', 'Required value'],
  ['two containers with one name', 'Pod', (p) => p.spec.containers.push({ ...p.spec.containers[0], ports: [] }), 'spec.containers[1].name', 'FieldValueDuplicate', 'Duplicate value: "web"'],
  ['a container name that is not a label', 'Pod', (p) => (p.spec.containers[0].name = 'Web'), 'spec.containers[0].name', 'FieldValueInvalid', /RFC 1123 label/],
  ['a container without image', 'Pod', (p) => delete p.spec.containers[0].image, 'spec.containers[0].image', 'FieldValueRequired', 'Required value'],
  ['an image with trailing whitespace', 'Pod', (p) => (p.spec.containers[0].image = 'web:v1 '), 'spec.containers[0].image', 'FieldValueInvalid', 'Invalid value: "web:v1 ": must not have leading or trailing whitespace'],
  ['a container port out of range', 'Pod', (p) => (p.spec.containers[0].ports[0].containerPort = 70000), 'spec.containers[0].ports[0].containerPort', 'FieldValueInvalid', 'Invalid value: 70000: must be between 1 and 65535, inclusive'],
  ['a container port of 0', 'Pod', (p) => (p.spec.containers[0].ports[0].containerPort = 0), 'spec.containers[0].ports[0].containerPort', 'FieldValueRequired'],
  ['an unknown port protocol', 'Pod', (p) => (p.spec.containers[0].ports[0].protocol = 'HTTP'), 'spec.containers[0].ports[0].protocol', 'FieldValueNotSupported', 'Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"'],
  ['two ports with one name', 'Pod', (p) => p.spec.containers[0].ports.push({ containerPort: 9090, name: 'http', protocol: 'TCP' }), 'spec.containers[0].ports[1].name', 'FieldValueDuplicate'],
  ['a port name that is not an IANA name', 'Pod', (p) => (p.spec.containers[0].ports[0].name = 'http_alt'), 'spec.containers[0].ports[0].name', 'FieldValueInvalid', /alpha-numeric characters/],
  ['an env name with =', 'Pod', (p) => (p.spec.containers[0].env[0].name = 'A=B'), 'spec.containers[0].env[0].name', 'FieldValueInvalid', /printable ASCII characters other than '='/],
  ['an env var without name', 'Pod', (p) => (p.spec.containers[0].env[0].name = ''), 'spec.containers[0].env[0].name', 'FieldValueRequired'],
  ['an empty valueFrom', 'Pod', (p) => (p.spec.containers[0].env[1].valueFrom = {}), 'spec.containers[0].env[1].valueFrom', 'FieldValueInvalid', 'Invalid value: "": must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'],
  ['a fieldRef to an unknown field', 'Pod', (p) => (p.spec.containers[0].env[1].valueFrom.fieldRef.fieldPath = 'spec.foo'), 'spec.containers[0].env[1].valueFrom.fieldRef.fieldPath', 'FieldValueNotSupported'],
  ['a quantity that is not one', 'Pod', (p) => (p.spec.containers[0].resources.limits.cpu = 'lots'), 'spec.containers[0].resources.limits[cpu]', 'FieldValueInvalid', `Invalid value: "lots": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`],
  ['a negative quantity', 'Pod', (p) => (p.spec.containers[0].resources.requests.memory = '-1Mi'), 'spec.containers[0].resources.requests[memory]', 'FieldValueInvalid', 'Invalid value: "-1Mi": must be greater than or equal to 0'],
  ['a request above its limit', 'Pod', (p) => (p.spec.containers[0].resources.requests.cpu = '2'), 'spec.containers[0].resources.requests', 'FieldValueInvalid', 'Invalid value: "2": must be less than or equal to cpu limit of 1'],
  ['a memory request above its limit in other units', 'Pod', (p) => (p.spec.containers[0].resources.requests.memory = '1Gi'), 'spec.containers[0].resources.requests', 'FieldValueInvalid', 'Invalid value: "1Gi": must be less than or equal to memory limit of 128Mi'],
  ['an extended resource request below its limit', 'Pod', (p) => (p.spec.containers[0].resources = { requests: { 'example.com/gpu': '1' }, limits: { 'example.com/gpu': '2' } }), 'spec.containers[0].resources.requests', 'FieldValueInvalid', 'Invalid value: "1": must be equal to example.com/gpu limit of 2'],
  ['an unknown unqualified resource', 'Pod', (p) => (p.spec.containers[0].resources.limits.gpu = '1'), 'spec.containers[0].resources.limits[gpu]', 'FieldValueInvalid', 'Invalid value: "gpu": must be a standard resource for containers'],
  ['a probe without handler', 'Pod', (p) => (p.spec.containers[0].livenessProbe = { periodSeconds: 10 }), 'spec.containers[0].livenessProbe', 'FieldValueRequired', 'Required value: must specify a handler type'],
  ['a probe with two handlers', 'Pod', (p) => (p.spec.containers[0].readinessProbe.exec = { command: ['true'] }), 'spec.containers[0].readinessProbe.tcpSocket', 'FieldValueForbidden', 'Forbidden: may not specify more than 1 handler type'],
  ['an exec probe without command', 'Pod', (p) => (p.spec.containers[0].readinessProbe = { exec: {} }), 'spec.containers[0].readinessProbe.exec.command', 'FieldValueRequired'],
  ['a liveness probe needing two successes', 'Pod', (p) => (p.spec.containers[0].livenessProbe.successThreshold = 2), 'spec.containers[0].livenessProbe.successThreshold', 'FieldValueInvalid', 'Invalid value: 2: must be 1'],
  ['a probe on a named port that is not a port name', 'Pod', (p) => (p.spec.containers[0].livenessProbe.httpGet.port = 'HTTP'), 'spec.containers[0].livenessProbe.httpGet.port', 'FieldValueInvalid'],
  ['a negative probe period', 'Pod', (p) => (p.spec.containers[0].readinessProbe.periodSeconds = -1), 'spec.containers[0].readinessProbe.periodSeconds', 'FieldValueInvalid', 'Invalid value: -1: must be greater than or equal to 0'],
  ['an unknown restartPolicy', 'Pod', (p) => (p.spec.restartPolicy = 'Sometimes'), 'spec.restartPolicy', 'FieldValueNotSupported', 'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'],
  ['an unknown dnsPolicy', 'Pod', (p) => (p.spec.dnsPolicy = 'Google'), 'spec.dnsPolicy', 'FieldValueNotSupported'],
  ['a restartPolicy on a regular container', 'Pod', (p) => (p.spec.containers[0].restartPolicy = 'Always'), 'spec.containers[0].restartPolicy', 'FieldValueForbidden'],
  ['a probe on a plain init container', 'Pod', (p) => (p.spec.initContainers = [{ name: 'init', image: 'busybox', livenessProbe: { exec: { command: ['true'] } } }]), 'spec.initContainers[0].livenessProbe', 'FieldValueForbidden', 'Forbidden: may not be set for init containers without restartPolicy=Always'],
  ['an init container named like a container', 'Pod', (p) => (p.spec.initContainers = [{ name: 'web', image: 'busybox' }]), 'spec.initContainers[0].name', 'FieldValueDuplicate'],
  ['two volumes with one name', 'Pod', (p) => p.spec.volumes.push({ name: 'config', emptyDir: {} }), 'spec.volumes[1].name', 'FieldValueDuplicate', 'Duplicate value: "config"'],
  ['a volume with two sources (the later one in Kubernetes\' order is refused)', 'Pod', (p) => (p.spec.volumes[0].hostPath = { path: '/etc' }), 'spec.volumes[0].configMap', 'FieldValueForbidden', 'Forbidden: may not specify more than 1 volume type'],
  ['a volume without source', 'Pod', (p) => delete p.spec.volumes[0].configMap, 'spec.volumes[0]', 'FieldValueRequired', 'Required value: must specify a volume type'],
  ['a volume type the cluster cannot mount', 'Pod', (p) => (p.spec.volumes[0] = { name: 'config', nfs: { server: 'nas', path: '/x' } }), 'spec.volumes[0].nfs', 'FieldValueForbidden', /volume type not supported/],
  ['a configMap volume without name', 'Pod', (p) => delete p.spec.volumes[0].configMap.name, 'spec.volumes[0].configMap.name', 'FieldValueRequired'],
  ['a hostPath volume without path', 'Pod', (p) => (p.spec.volumes[0] = { name: 'config', hostPath: {} }), 'spec.volumes[0].hostPath.path', 'FieldValueRequired'],
  ['a volume name that is not a label', 'Pod', (p) => (p.spec.volumes[0].name = 'Config'), 'spec.volumes[0].name', 'FieldValueInvalid'],
  ['a mount of a volume that does not exist', 'Pod', (p) => (p.spec.containers[0].volumeMounts[0].name = 'missing'), 'spec.containers[0].volumeMounts[0].name', 'FieldValueNotFound', 'Not found: "missing"'],
  ['a mount without mountPath', 'Pod', (p) => delete p.spec.containers[0].volumeMounts[0].mountPath, 'spec.containers[0].volumeMounts[0].mountPath', 'FieldValueRequired'],
  ['a toleration with Exists and a value', 'Pod', (p) => (p.spec.tolerations = [{ key: 'k', operator: 'Exists', value: 'v' }]), 'spec.tolerations[0].operator', 'FieldValueInvalid', "Invalid value: \"v\": value must be empty when `operator` is 'Exists'"],
  ['an activeDeadlineSeconds of 0', 'Pod', (p) => (p.spec.activeDeadlineSeconds = 0), 'spec.activeDeadlineSeconds', 'FieldValueInvalid', 'Invalid value: 0: must be between 1 and 2147483647, inclusive'],
  ['an envFrom entry without source', 'Pod', (p) => (p.spec.containers[0].envFrom = [{ prefix: 'CFG_' }]), 'spec.containers[0].envFrom[0]', 'FieldValueInvalid', 'Invalid value: "": must specify one of: `configMapRef` or `secretRef`'],
  ['a secretKeyRef without key', 'Pod', (p) => (p.spec.containers[0].env[1].valueFrom = { secretKeyRef: { name: 'db' } }), 'spec.containers[0].env[1].valueFrom.secretKeyRef.key', 'FieldValueRequired'],
  ['a value and a valueFrom', 'Pod', (p) => (p.spec.containers[0].env[1].value = 'x'), 'spec.containers[0].env[1].valueFrom', 'FieldValueInvalid', 'Invalid value: "": may not be specified when `value` is not empty'],
  ['two containers on one host port', 'Pod', (p) => {
    p.spec.containers[0].ports[0].hostPort = 8080;
    p.spec.containers.push({ name: 'b', image: 'b', ports: [{ containerPort: 9090, hostPort: 8080, protocol: 'TCP' }] });
  }, 'spec.containers[1].ports[0].hostPort', 'FieldValueDuplicate', 'Duplicate value: "TCP//8080"'],
  ['a subPath climbing out of the volume', 'Pod', (p) => (p.spec.containers[0].volumeMounts[0].subPath = '../etc'), 'spec.containers[0].volumeMounts[0].subPath', 'FieldValueInvalid', 'Invalid value: "../etc": must not contain \'..\''],
  ['a projected source with two kinds', 'Pod', (p) => (p.spec.volumes[0] = { name: 'config', projected: { sources: [{ configMap: { name: 'a' }, secret: { name: 'b' } }] } }), 'spec.volumes[0].projected.sources[0]', 'FieldValueForbidden'],
  ['a file mode above 0777', 'Pod', (p) => (p.spec.volumes[0].configMap.defaultMode = 0o1000), 'spec.volumes[0].configMap.defaultMode', 'FieldValueInvalid', 'Invalid value: 512: must be a number between 0 and 0777 (octal), both inclusive'],
  ['both orphan and foreground finalizers', 'ConfigMap', (c) => (c.metadata.finalizers = ['orphan', 'foregroundDeletion']), 'metadata.finalizers', 'FieldValueInvalid', /finalizer orphan and foregroundDeletion cannot be both set$/],
  ['annotations over 256 KiB', 'ConfigMap', (c) => (c.metadata.annotations = { big: 'x'.repeat(256 * 1024) }), 'metadata.annotations', 'FieldValueTooLong', 'Too long: must have at most 262144 bytes'],
  ['a non-integer grace period', 'Pod', (p) => (p.spec.terminationGracePeriodSeconds = '30'), 'spec.terminationGracePeriodSeconds', 'FieldValueTypeInvalid'],

  // apps
  ['a Deployment without selector', 'Deployment', (d) => delete d.spec.selector, 'spec.selector', 'FieldValueRequired', 'Required value'],
  ['a Deployment with an empty selector', 'Deployment', (d) => (d.spec.selector = {}), 'spec.selector', 'FieldValueInvalid', 'Invalid value: {}: empty selector is invalid for deployment'],
  ['a selector that does not match the template', 'Deployment', (d) => (d.spec.selector.matchLabels = { app: 'other' }), 'spec.template.metadata.labels', 'FieldValueInvalid', 'Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`'],
  ['a selector operator that does not exist', 'Deployment', (d) => (d.spec.selector = { matchExpressions: [{ key: 'app', operator: 'Is', values: ['web'] }] }), 'spec.selector.matchExpressions[0].operator', 'FieldValueInvalid', 'Invalid value: "Is": not a valid selector operator'],
  ['negative replicas', 'Deployment', (d) => (d.spec.replicas = -1), 'spec.replicas', 'FieldValueInvalid', 'Invalid value: -1: must be greater than or equal to 0'],
  ['an unknown strategy', 'Deployment', (d) => (d.spec.strategy = { type: 'BlueGreen' }), 'spec.strategy', 'FieldValueNotSupported', /supported values: "Recreate", "RollingUpdate"$/],
  ['a maxSurge that is neither int nor percent', 'Deployment', (d) => (d.spec.strategy.rollingUpdate.maxSurge = 'ten'), 'spec.strategy.rollingUpdate.maxSurge', 'FieldValueInvalid', /a valid percent string must be a numeric string followed by an ending '%'/],
  ['maxSurge and maxUnavailable both 0', 'Deployment', (d) => (d.spec.strategy.rollingUpdate = { maxSurge: 0, maxUnavailable: '0%' }), 'spec.strategy.rollingUpdate.maxUnavailable', 'FieldValueInvalid', 'Invalid value: "0%": may not be 0 when `maxSurge` is 0'],
  ['maxUnavailable above 100%', 'Deployment', (d) => (d.spec.strategy.rollingUpdate.maxUnavailable = '150%'), 'spec.strategy.rollingUpdate.maxUnavailable', 'FieldValueInvalid', 'Invalid value: "150%": must not be greater than 100%'],
  ['Recreate with rollingUpdate', 'Deployment', (d) => (d.spec.strategy.type = 'Recreate'), 'spec.strategy.rollingUpdate', 'FieldValueForbidden', "Forbidden: may not be specified when strategy `type` is 'Recreate'"],
  ['a template that does not restart', 'Deployment', (d) => (d.spec.template.spec.restartPolicy = 'Never'), 'spec.template.spec.restartPolicy', 'FieldValueNotSupported', 'Unsupported value: "Never": supported values: "Always"'],
  ['a template container without image', 'Deployment', (d) => (d.spec.template.spec.containers[0].image = ''), 'spec.template.spec.containers[0].image', 'FieldValueRequired', 'Required value'],
  ['a template with a deadline', 'Deployment', (d) => (d.spec.template.spec.activeDeadlineSeconds = 60), 'spec.template.spec.activeDeadlineSeconds', 'FieldValueForbidden'],
  ['a progress deadline not above minReadySeconds', 'Deployment', (d) => Object.assign(d.spec, { minReadySeconds: 600 }), 'spec.progressDeadlineSeconds', 'FieldValueInvalid', 'Invalid value: 600: must be greater than minReadySeconds'],
  ['a template label that is not a label', 'Deployment', (d) => (d.spec.template.metadata.labels['bad key'] = 'x'), 'spec.template.metadata.labels', 'FieldValueInvalid', /name part must consist/],
  ['a ReplicaSet selector that does not match', 'ReplicaSet', (r) => (r.spec.selector.matchLabels.hash = 'other'), 'spec.template.metadata.labels', 'FieldValueInvalid', /`selector` does not match template `labels`/],
  ['negative ReplicaSet replicas', 'ReplicaSet', (r) => (r.spec.replicas = -3), 'spec.replicas', 'FieldValueInvalid'],
  ['a status with more ready than replicas', 'ReplicaSet', (r) => (r.status.readyReplicas = 5), 'status.readyReplicas', 'FieldValueInvalid', 'Invalid value: 5: cannot be greater than status.replicas'],

  // services
  ['a Service without ports', 'Service', (s) => (s.spec.ports = []), 'spec.ports', 'FieldValueRequired', 'Required value'],
  ['an SCTP port on a proxied Service', 'Service', (s) => (s.spec.ports[0].protocol = 'SCTP'), 'spec.ports[0].protocol', 'FieldValueNotSupported', 'Unsupported value: "SCTP": supported values: "TCP", "UDP"'],
  ['an unknown Service port protocol', 'Service', (s) => (s.spec.ports[0].protocol = 'HTTP'), 'spec.ports[0].protocol', 'FieldValueNotSupported', 'Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"'],
  ['a Service port of 0', 'Service', (s) => (s.spec.ports[0].port = 0), 'spec.ports[0].port', 'FieldValueInvalid', 'Invalid value: 0: must be between 1 and 65535, inclusive'],
  ['an unnamed port among several', 'Service', (s) => s.spec.ports.push({ port: 443, protocol: 'TCP', targetPort: 443 }), 'spec.ports[1].name', 'FieldValueRequired'],
  ['two ports with one name', 'Service', (s) => s.spec.ports.push({ name: 'http', port: 443, protocol: 'TCP', targetPort: 443 }), 'spec.ports[1].name', 'FieldValueDuplicate', 'Duplicate value: "http"'],
  ['two ports with one number', 'Service', (s) => s.spec.ports.push({ name: 'other', port: 80, protocol: 'TCP', targetPort: 81 }), 'spec.ports[1]', 'FieldValueDuplicate'],
  ['a targetPort out of range', 'Service', (s) => (s.spec.ports[0].targetPort = 70000), 'spec.ports[0].targetPort', 'FieldValueInvalid', 'Invalid value: 70000: must be between 1 and 65535, inclusive'],
  ['a targetPort name that is not an IANA name', 'Service', (s) => (s.spec.ports[0].targetPort = 'HTTP_PORT'), 'spec.ports[0].targetPort', 'FieldValueInvalid'],
  ['a nodePort outside the range', 'Service', (s) => Object.assign(s.spec, { type: 'NodePort', ports: [{ port: 80, nodePort: 80, protocol: 'TCP', targetPort: 80 }] }), 'spec.ports[0].nodePort', 'FieldValueInvalid', 'Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767'],
  ['a nodePort on a ClusterIP Service', 'Service', (s) => (s.spec.ports[0].nodePort = 30080), 'spec.ports[0].nodePort', 'FieldValueForbidden', "Forbidden: may not be used when `type` is 'ClusterIP'"],
  ['an unknown Service type', 'Service', (s) => (s.spec.type = 'Magic'), 'spec.type', 'FieldValueNotSupported', 'Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'],
  ['a cluster IP that is not an IP', 'Service', (s) => (s.spec.clusterIP = '10.96.0.300'), 'spec.clusterIP', 'FieldValueInvalid', 'Invalid value: "10.96.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
  ['a headless NodePort Service', 'Service', (s) => Object.assign(s.spec, { type: 'NodePort', clusterIP: 'None' }), 'spec.clusterIP', 'FieldValueInvalid', "Invalid value: \"None\": may not be set to 'None' for NodePort services"],
  ['an ExternalName Service without a name', 'Service', (s) => (s.spec = { type: 'ExternalName', sessionAffinity: 'None' }), 'spec.externalName', 'FieldValueRequired'],
  ['an unknown Service protocol', 'Service', (s) => (s.spec.ports[0].protocol = 'ICMP'), 'spec.ports[0].protocol', 'FieldValueNotSupported'],
  ['an invalid selector label', 'Service', (s) => (s.spec.selector = { app: 'a b' }), 'spec.selector', 'FieldValueInvalid'],
  ['an external IP that is not an IP', 'Service', (s) => (s.spec.externalIPs = ['1.2.3']), 'spec.externalIPs[0]', 'FieldValueInvalid', 'Invalid value: "1.2.3": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
  ['an IPv6 cluster IP on the IPv4 service network', 'Service', (s) => (s.spec.clusterIP = 'fd00::10'), 'spec.clusterIP', 'FieldValueInvalid', /single-stack IPv4/],
  ['a cluster IP on an ExternalName Service', 'Service', (s) => Object.assign(s.spec, { type: 'ExternalName', externalName: 'db.example.com' }), 'spec.clusterIP', 'FieldValueForbidden', 'Forbidden: may not be set for ExternalName services'],
  ['an unknown session affinity', 'Service', (s) => (s.spec.sessionAffinity = 'Cookie'), 'spec.sessionAffinity', 'FieldValueNotSupported', 'Unsupported value: "Cookie": supported values: "ClientIP", "None"'],
  ['a traffic policy on an internal Service', 'Service', (s) => (s.spec.externalTrafficPolicy = 'Local'), 'spec.externalTrafficPolicy', 'FieldValueInvalid', 'Invalid value: "Local": may only be set for externally-accessible services'],

  // data
  ['a ConfigMap key with a space', 'ConfigMap', (c) => (c.data['bad key'] = 'x'), 'data[bad key]', 'FieldValueInvalid', /^Invalid value: "bad key": a valid config key must consist of alphanumeric characters/],
  ['a ConfigMap key in data and binaryData', 'ConfigMap', (c) => (c.binaryData = { MODE: 'AA==' }), 'data[MODE]', 'FieldValueInvalid', 'Invalid value: "MODE": duplicate of key present in binaryData'],
  ['a Secret value that is not base64', 'Secret', (s) => (s.data.password = 'hunter2'), 'data[password]', 'FieldValueInvalid', 'Invalid value: "<secret contents redacted>": illegal base64 data at input byte 4'],
  ['a Secret key with a slash', 'Secret', (s) => (s.data['a/b'] = 'eA=='), 'data[a/b]', 'FieldValueInvalid'],
  ['a TLS Secret without key', 'Secret', (s) => Object.assign(s, { type: 'kubernetes.io/tls', data: { 'tls.crt': 'eA==' } }), 'data[tls.key]', 'FieldValueRequired'],
  ['a dockerconfigjson Secret that is not JSON', 'Secret', (s) => Object.assign(s, { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': 'bm90IGpzb24=' } }), 'data[.dockerconfigjson]', 'FieldValueInvalid'],

  // cluster
  ['a Namespace finalizer that is not a name', 'Namespace', (n) => (n.spec.finalizers = ['bad finalizer']), 'spec.finalizers', 'FieldValueInvalid'],
  ['a taint with an unknown effect', 'Node', (n) => (n.spec.taints[0].effect = 'Evict'), 'spec.taints[0].effect', 'FieldValueNotSupported', 'Unsupported value: "Evict": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"'],
  ['two taints with one key and effect', 'Node', (n) => n.spec.taints.push({ key: 'dedicated', value: 'other', effect: 'NoSchedule' }), 'spec.taints[1]', 'FieldValueDuplicate', /taints must be unique by key and effect pair$/],
  ['a pod CIDR that is not one', 'Node', (n) => (n.spec.podCIDR = '10.244.1.0'), 'spec.podCIDR', 'FieldValueInvalid', 'Invalid value: "10.244.1.0": must be a valid CIDR'],
  ['a Lease of zero seconds', 'Lease', (l) => (l.spec.leaseDurationSeconds = 0), 'spec.leaseDurationSeconds', 'FieldValueInvalid', 'Invalid value: 0: must be greater than 0'],
  ['negative lease transitions', 'Lease', (l) => (l.spec.leaseTransitions = -1), 'spec.leaseTransitions', 'FieldValueInvalid'],
  ['an Event about nothing', 'Event', (e) => delete e.involvedObject, 'involvedObject', 'FieldValueRequired', 'Required value'],
  ['an Event in another namespace than its object', 'Event', (e) => (e.involvedObject.namespace = 'other'), 'involvedObject.namespace', 'FieldValueInvalid', 'Invalid value: "other": does not match event.namespace'],
  ['a new-style Event without reporter', 'Event', (e) => (e.eventTime = '2024-01-01T00:00:00.000000Z'), 'reportingComponent', 'FieldValueRequired'],
  ['an Endpoints subset without addresses', 'Endpoints', (e) => (e.subsets[0].addresses = []), 'subsets[0]', 'FieldValueRequired', 'Required value: must specify `addresses` or `notReadyAddresses`'],
  ['an endpoint address that is not an IP', 'Endpoints', (e) => (e.subsets[0].addresses[0].ip = 'pod-1'), 'subsets[0].addresses[0].ip', 'FieldValueInvalid'],
  ['a link-local endpoint address', 'Endpoints', (e) => (e.subsets[0].addresses[0].ip = '169.254.1.1'), 'subsets[0].addresses[0].ip', 'FieldValueInvalid', 'Invalid value: "169.254.1.1": may not be in the link-local range (169.254.0.0/16, fe80::/10)'],
];

describe('each rule reports its field', () => {
  it.each(FAILURES)('%s', (_title, kind, mutate, field, reason, message) => {
    const found = causes(kind, mutate);
    const match = found.find((c) => c.field === field && c.reason === reason);
    expect(match, `causes were ${JSON.stringify(found, null, 1)}`).toBeDefined();
    if (typeof message === 'string') expect(match!.message).toBe(message);
    else if (message) expect(match!.message).toMatch(message);
  });
});

describe('validateObject', () => {
  it('throws one InvalidError with every cause, shaped like Kubernetes Status details', () => {
    const bad = build('Deployment', (d) => {
      d.metadata.name = 'Bad_Name';
      d.spec.selector.matchLabels = { app: 'other' };
      d.spec.replicas = -1;
    });
    let err: unknown;
    try {
      validateObject(bad, typeOf('Deployment'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidError);
    const invalid = err as InvalidError;
    expect(invalid.code).toBe(422);
    expect(invalid.details).toMatchObject({ name: 'Bad_Name', group: 'apps', kind: 'Deployment' });
    expect(invalid.causes.map((c) => c.field)).toEqual(['metadata.name', 'spec.replicas', 'spec.template.metadata.labels']);
    expect(invalid.message).toMatch(/^Deployment.apps "Bad_Name" is invalid: \[metadata\.name: Invalid value: "Bad_Name": .*, spec.replicas: Invalid value: -1: must be greater than or equal to 0, .*\]$/);
  });

  it('reports core kinds without a group', () => {
    try {
      validateObject(build('ConfigMap', (c) => (c.data['a b'] = '')), typeOf('ConfigMap'));
      expect.unreachable();
    } catch (e) {
      expect((e as InvalidError).details).toEqual({ name: 'web-config', kind: 'ConfigMap', causes: expect.any(Array) });
    }
  });

  it('does not crash on JSON of the wrong shape', () => {
    const weird = build('Deployment', (d) => {
      d.spec.template.spec.containers = 'web';
      d.spec.selector = ['app'];
    });
    const found = validationCauses(weird, typeOf('Deployment'));
    expect(found).toContainEqual(expect.objectContaining({ field: 'spec.template.spec.containers', reason: 'FieldValueTypeInvalid' }));
    expect(found).toContainEqual(expect.objectContaining({ field: 'spec.selector', reason: 'FieldValueTypeInvalid' }));
  });

  it('validates kinds it has no rules for by their metadata only', () => {
    const widget: Kind = { ...typeOf('ConfigMap'), group: 'skiff.dev', version: 'v1alpha1', kind: 'Widget', resource: 'widgets' };
    expect(validationCauses({ apiVersion: 'skiff.dev/v1alpha1', kind: 'Widget', metadata: { name: 'w', namespace: 'default' }, spec: { anything: true } }, widget)).toEqual([]);
    expect(validationCauses({ apiVersion: 'skiff.dev/v1alpha1', kind: 'Widget', metadata: { name: 'W', namespace: 'default' } }, widget)).toHaveLength(1);
  });

  it('with the stored object, keeps reporting new problems but not ones it already had', () => {
    const old = build('Deployment', (d) => (d.spec.template.spec.containers[0].ports[0].name = 'http_alt'));
    const statusOnly = structuredClone(old);
    statusOnly.status = { replicas: 2, readyReplicas: 2, availableReplicas: 2, updatedReplicas: 2 };
    expect(validationCauses(statusOnly, typeOf('Deployment'))).not.toEqual([]);
    expect(validationCauses(statusOnly, typeOf('Deployment'), { old })).toEqual([]);
    const worse = structuredClone(statusOnly);
    (worse.spec as any).replicas = -1;
    expect(validationCauses(worse, typeOf('Deployment'), { old }).map((c) => c.field)).toEqual(['spec.replicas']);
  });
});

type UpdateCase = [title: string, kind: string, change: Mutate, field: string | undefined, reason: string | undefined, message?: string | RegExp];

const UPDATES: UpdateCase[] = [
  ['a Deployment scaled and re-imaged', 'Deployment', (d) => Object.assign(d.spec, { replicas: 5 }) && (d.spec.template.spec.containers[0].image = 'web:v2'), undefined, undefined],
  ['a Deployment selector', 'Deployment', (d) => (d.spec.selector.matchLabels.tier = 'front'), 'spec.selector', 'FieldValueInvalid', 'Invalid value: {"matchLabels":{"app":"web","tier":"front"}}: field is immutable'],
  ['a ReplicaSet selector', 'ReplicaSet', (r) => (r.spec.selector = { matchLabels: { app: 'web' } }), 'spec.selector', 'FieldValueInvalid', /field is immutable$/],
  ['labels and annotations', 'Pod', (p) => Object.assign(p.metadata, { labels: { app: 'web', tier: 'x' }, annotations: { note: 'hi' } }), undefined, undefined],
  ['a Pod image', 'Pod', (p) => (p.spec.containers[0].image = 'web:v2'), undefined, undefined],
  ['a Pod deadline set, then lowered', 'Pod', (p) => (p.spec.activeDeadlineSeconds = 30), undefined, undefined],
  ['a toleration added to a Pod', 'Pod', (p) => (p.spec.tolerations = [{ key: 'k', operator: 'Exists', effect: 'NoSchedule' }]), undefined, undefined],
  ['a Pod port', 'Pod', (p) => (p.spec.containers[0].ports[0].containerPort = 9090), 'spec', 'FieldValueForbidden', /^Forbidden: pod updates may not change fields other than `spec\.containers\[\*\]\.image`,`spec\.initContainers\[\*\]\.image`,`spec\.activeDeadlineSeconds`,`spec\.tolerations` \(only additions to existing tolerations\),`spec\.terminationGracePeriodSeconds` \(allow it to be set to 1 if it was previously negative\)\n {2}containers\[0\]\.ports\[0\]\.containerPort: 8080 -> 9090/],
  ['a container added to a Pod', 'Pod', (p) => p.spec.containers.push({ name: 'b', image: 'b' }), 'spec.containers', 'FieldValueForbidden', 'Forbidden: pod updates may not add or remove containers'],
  ['a Pod image removed', 'Pod', (p) => (p.spec.containers[0].image = ''), 'spec.containers[0].image', 'FieldValueRequired'],
  ['a Pod node changed', 'Pod', (p) => (p.spec.nodeName = 'node-2'), 'spec', 'FieldValueForbidden', /spec.nodeName|nodeName: "node-1" -> "node-2"/],
  ['a cluster IP changed', 'Service', (s) => (s.spec.clusterIP = '10.96.0.11'), 'spec.clusterIP', 'FieldValueInvalid', 'Invalid value: "10.96.0.11": may not change once set'],
  ['a cluster IP list changed', 'Service', (s) => Object.assign(s.spec, { clusterIP: undefined, clusterIPs: ['10.96.0.12'] }), 'spec.clusterIPs[0]', 'FieldValueInvalid', /may not change once set/],
  ['Service ports changed', 'Service', (s) => (s.spec.ports[0].port = 8080), undefined, undefined],
  ['a renamed object', 'ConfigMap', (c) => (c.metadata.name = 'other'), 'metadata.name', 'FieldValueInvalid', 'Invalid value: "other": field is immutable'],
  ['an immutable ConfigMap edited', 'ConfigMap', (c) => (c.data.MODE = 'slow'), 'data', 'FieldValueForbidden', 'Forbidden: field is immutable when `immutable` is set'],
  ['an immutable Secret made mutable', 'Secret', (s) => (s.immutable = false), 'immutable', 'FieldValueForbidden'],
  ['a Secret type changed', 'Secret', (s) => (s.type = 'kubernetes.io/tls'), 'type', 'FieldValueInvalid', 'Invalid value: "kubernetes.io/tls": field is immutable'],
  ['a Node pod CIDR changed', 'Node', (n) => (n.spec.podCIDR = '10.244.2.0/24'), 'spec.podCIDRs', 'FieldValueForbidden', 'Forbidden: node updates may not change podCIDR except from "" to valid'],
];

const STORED: Record<string, Mutate> = {
  Pod: (p) => (p.spec.nodeName = 'node-1'),
  ConfigMap: (c) => (c.immutable = true),
  Secret: (s) => (s.immutable = true),
};

describe('updates keep fixed fields fixed', () => {
  it.each(UPDATES)('%s', (_title, kind, change, field, reason, message) => {
    const prev = build(kind, STORED[kind]);
    const next = structuredClone(prev);
    change(next);
    const found = updateCauses(next, prev, typeOf(kind));
    if (field === undefined) {
      expect(found).toEqual([]);
      expect(() => validateUpdate(next, prev, typeOf(kind))).not.toThrow();
      return;
    }
    const match = found.find((c) => c.field === field && c.reason === reason);
    expect(match, `causes were ${JSON.stringify(found, null, 1)}`).toBeDefined();
    if (typeof message === 'string') expect(match!.message).toBe(message);
    else if (message) expect(match!.message).toMatch(message);
    expect(() => validateUpdate(next, prev, typeOf(kind))).toThrow(InvalidError);
  });

  it('lets an activeDeadlineSeconds go down but not up', () => {
    const prev = build('Pod', (p) => (p.spec.activeDeadlineSeconds = 60));
    const lower = structuredClone(prev);
    (lower.spec as any).activeDeadlineSeconds = 30;
    expect(updateCauses(lower, prev, typeOf('Pod'))).toEqual([]);
    const higher = structuredClone(prev);
    (higher.spec as any).activeDeadlineSeconds = 90;
    expect(updateCauses(higher, prev, typeOf('Pod'))).toEqual([
      { field: 'spec.activeDeadlineSeconds', reason: 'FieldValueInvalid', message: 'Invalid value: 90: must be less than or equal to previous value' },
    ]);
  });

  it('refuses new finalizers on an object being deleted, but allows removing them', () => {
    const prev = build('ConfigMap', (c) => Object.assign(c.metadata, { deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['example.com/a'] }));
    const added = structuredClone(prev);
    added.metadata.finalizers = ['example.com/a', 'example.com/b'];
    expect(updateCauses(added, prev, typeOf('ConfigMap'))).toEqual([
      {
        field: 'metadata.finalizers',
        reason: 'FieldValueForbidden',
        message: 'Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/b"}',
      },
    ]);
    const removed = structuredClone(prev);
    removed.metadata.finalizers = [];
    expect(updateCauses(removed, prev, typeOf('ConfigMap'))).toEqual([]);
  });
});
