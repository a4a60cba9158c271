import { deepCopy } from './deepCopy.js';
import type { Kind } from './kinds/kind.js';
import type { KubeObject } from './types.js';

/**
 * Kubernetes' defaulting (pkg/apis/core/v1/defaults.go, pkg/apis/apps/v1/defaults.go and the
 * create-time parts of the registry strategies that shape what `kubectl get -o yaml` shows).
 * Each function is one kind's `defaults` (kinds/): it never overwrites a value the user set and
 * is idempotent, so running it on every write (create and update) keeps objects stable.
 *
 * Not here, because the API server owns them: metadata.namespace, uid/timestamps/generation,
 * Pod status.phase and qosClass, cluster IP and node port allocation. Here, though: the empty
 * status a kind's Go struct always serializes (a Service's `{"loadBalancer":{}}`).
 */

type Json = Record<string, unknown>;

function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The object at `o[key]`, created when missing (or when something that is not an object is there). */
function child(o: Json, key: string): Json {
  if (!isObject(o[key])) o[key] = {};
  return o[key] as Json;
}

function each(v: unknown, fn: (item: Json) => void): void {
  if (Array.isArray(v)) for (const item of v) if (isObject(item)) fn(item);
}

function setDefault(o: Json, key: string, value: unknown): void {
  if (o[key] === undefined || o[key] === null || o[key] === '') o[key] = value;
}

/**
 * A defaulted copy of `obj` by its kind's `defaults` (objects of kinds without defaulting come
 * back copied, unchanged).
 */
export function applyKindDefaults(obj: KubeObject, kind: Pick<Kind, 'defaults'> | undefined): KubeObject {
  const out = deepCopy(obj);
  kind?.defaults?.(out);
  return out;
}

// ---- core ---------------------------------------------------------------------------------

/**
 * A Container item's missing defaults come from its other bounds: default limit from max, default
 * request from the default limit, then from min (SetDefaults_LimitRangeItem).
 */
export function defaultLimitRange(lr: KubeObject): void {
  each((lr.spec as Json | undefined)?.limits, (item) => {
    if (item.type !== 'Container') return;
    const def: Json = isObject(item.default) ? { ...item.default } : {};
    const defReq: Json = isObject(item.defaultRequest) ? { ...item.defaultRequest } : {};
    for (const [k, v] of Object.entries(isObject(item.max) ? item.max : {})) if (!(k in def)) def[k] = v;
    for (const [k, v] of Object.entries(def)) if (!(k in defReq)) defReq[k] = v;
    for (const [k, v] of Object.entries(isObject(item.min) ? item.min : {})) if (!(k in defReq)) defReq[k] = v;
    if (Object.keys(def).length) item.default = def;
    if (Object.keys(defReq).length) item.defaultRequest = defReq;
  });
}

// ---- skiff.dev ----------------------------------------------------------------------------

export function defaultApplication(app: KubeObject): void {
  const spec = child(app, 'spec');
  const source = child(spec, 'source');
  setDefault(source, 'targetRevision', 'HEAD');
  setDefault(source, 'path', '.');
  setDefault(spec, 'refreshIntervalSeconds', 60);
}

/** `events` and `applications` stay unset: absent means "all", which grows with new events and Applications. */
export function defaultWebhook(hook: KubeObject): void {
  setDefault(child(hook, 'spec'), 'timeoutSeconds', 10);
}

// ---- apps ---------------------------------------------------------------------------------

export function defaultDeployment(d: KubeObject): void {
  const spec = child(d, 'spec');
  setDefault(spec, 'replicas', 1);
  const strategy = child(spec, 'strategy');
  setDefault(strategy, 'type', 'RollingUpdate');
  if (strategy.type === 'RollingUpdate') {
    const rollingUpdate = child(strategy, 'rollingUpdate');
    setDefault(rollingUpdate, 'maxUnavailable', '25%');
    setDefault(rollingUpdate, 'maxSurge', '25%');
  }
  setDefault(spec, 'revisionHistoryLimit', 10);
  setDefault(spec, 'progressDeadlineSeconds', 600);
  defaultPodSpec(child(child(spec, 'template'), 'spec'));
  // kube-apiserver always writes a status (a struct, never omitted); a new Deployment's is `{}`.
  child(d, 'status');
}

export function defaultReplicaSet(rs: KubeObject): void {
  const spec = child(rs, 'spec');
  setDefault(spec, 'replicas', 1);
  defaultPodSpec(child(child(spec, 'template'), 'spec'));
  // status.replicas has no omitempty in Kubernetes: a new ReplicaSet's status is `{"replicas":0}`.
  setDefault(child(rs, 'status'), 'replicas', 0);
}

// ---- pods ---------------------------------------------------------------------------------

export function defaultPod(pod: KubeObject): void {
  const spec = child(pod, 'spec');
  defaultPodSpec(spec);
  // Pod-only (not templates): requests default to limits, service links are on.
  for (const field of ['containers', 'initContainers']) {
    each(spec[field], (c) => {
      const resources = child(c, 'resources');
      if (!isObject(resources.limits)) return;
      const requests = child(resources, 'requests');
      for (const [name, value] of Object.entries(resources.limits)) if (requests[name] === undefined) requests[name] = value;
    });
  }
  setDefault(spec, 'enableServiceLinks', true);
}

/** SetDefaults_PodSpec and everything below it: containers, probes, ports, volumes. */
export function defaultPodSpec(spec: Json): void {
  setDefault(spec, 'dnsPolicy', 'ClusterFirst');
  setDefault(spec, 'restartPolicy', 'Always');
  if (!isObject(spec.securityContext)) spec.securityContext = {};
  setDefault(spec, 'terminationGracePeriodSeconds', 30);
  setDefault(spec, 'schedulerName', 'default-scheduler');
  for (const field of ['containers', 'initContainers', 'ephemeralContainers']) each(spec[field], defaultContainer);
  each(spec.volumes, defaultVolume);
}

/** Always pull what may have moved (`:latest` or no tag), pull once what is pinned. */
export function defaultImagePullPolicy(image: string): 'Always' | 'IfNotPresent' {
  const [nameAndTag, digest] = image.split('@');
  const lastSegment = nameAndTag.slice(nameAndTag.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  const tag = colon >= 0 ? lastSegment.slice(colon + 1) : digest ? '' : 'latest';
  return tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainer(c: Json): void {
  if (typeof c.image === 'string') setDefault(c, 'imagePullPolicy', defaultImagePullPolicy(c.image));
  setDefault(c, 'terminationMessagePath', '/dev/termination-log');
  setDefault(c, 'terminationMessagePolicy', 'File');
  if (!isObject(c.resources)) c.resources = {};
  each(c.ports, (p) => setDefault(p, 'protocol', 'TCP'));
  each(c.env, (e) => {
    if (isObject(e.valueFrom) && isObject(e.valueFrom.fieldRef)) setDefault(e.valueFrom.fieldRef, 'apiVersion', 'v1');
  });
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    if (isObject(c[probe])) defaultProbe(c[probe] as Json);
  }
  if (isObject(c.lifecycle)) {
    for (const hook of ['postStart', 'preStop']) if (isObject(c.lifecycle[hook])) defaultHandler(c.lifecycle[hook] as Json);
  }
}

function defaultProbe(probe: Json): void {
  setDefault(probe, 'timeoutSeconds', 1);
  setDefault(probe, 'periodSeconds', 10);
  setDefault(probe, 'successThreshold', 1);
  setDefault(probe, 'failureThreshold', 3);
  defaultHandler(probe);
}

function defaultHandler(handler: Json): void {
  if (isObject(handler.httpGet)) {
    setDefault(handler.httpGet, 'path', '/');
    setDefault(handler.httpGet, 'scheme', 'HTTP');
  }
  if (isObject(handler.grpc) && handler.grpc.service === undefined) handler.grpc.service = '';
}

const VOLUME_SOURCES = [
  'emptyDir', 'hostPath', 'gitRepo', 'gcePersistentDisk', 'awsElasticBlockStore', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'flocker', 'persistentVolumeClaim', 'rbd', 'cinder', 'cephfs', 'quobyte', 'downwardAPI', 'fc', 'flexVolume', 'configMap',
  'azureFile', 'vsphereVolume', 'photonPersistentDisk', 'portworxVolume', 'azureDisk', 'storageos', 'projected', 'scaleIO',
  'csi', 'ephemeral', 'image',
];
/** 0644 for ConfigMap, downward API and projected files, as Kubernetes defaults them. */
const DEFAULT_FILE_MODE = 0o644;
/**
 * 0400 for a secret volume's files: only their owner reads them (the node agent gives them to the
 * container's user, see ADR 015). Kubernetes defaults this one to 0644 too; a pod that wants that
 * says `defaultMode: 0644`.
 */
export const DEFAULT_SECRET_FILE_MODE = 0o400;

function defaultVolume(v: Json): void {
  // A volume with no source at all is an empty directory (SetDefaults_Volume).
  if (!VOLUME_SOURCES.some((s) => v[s] !== undefined && v[s] !== null)) v.emptyDir = {};
  for (const source of ['configMap', 'downwardAPI', 'projected']) {
    if (isObject(v[source])) setDefault(v[source] as Json, 'defaultMode', DEFAULT_FILE_MODE);
  }
  if (isObject(v.secret)) setDefault(v.secret, 'defaultMode', DEFAULT_SECRET_FILE_MODE);
  if (isObject(v.hostPath) && v.hostPath.type === undefined) v.hostPath.type = '';
  if (isObject(v.downwardAPI)) {
    each(v.downwardAPI.items, (item) => {
      if (isObject(item.fieldRef)) setDefault(item.fieldRef, 'apiVersion', 'v1');
    });
  }
}

// ---- services and endpoints ---------------------------------------------------------------

/** Kubernetes' default session-affinity stickiness: three hours. */
const DEFAULT_CLIENT_IP_AFFINITY_SECONDS = 10800;

export function defaultService(svc: KubeObject): void {
  const spec = child(svc, 'spec');
  setDefault(spec, 'sessionAffinity', 'None');
  if (spec.sessionAffinity === 'ClientIP') {
    const config = child(spec, 'sessionAffinityConfig');
    setDefault(child(config, 'clientIP'), 'timeoutSeconds', DEFAULT_CLIENT_IP_AFFINITY_SECONDS);
  }
  setDefault(spec, 'type', 'ClusterIP');
  each(spec.ports, (p) => {
    setDefault(p, 'protocol', 'TCP');
    if (p.targetPort === undefined || p.targetPort === null || p.targetPort === 0 || p.targetPort === '') p.targetPort = p.port;
  });
  const externallyAccessible =
    spec.type === 'NodePort' || spec.type === 'LoadBalancer' || (spec.type === 'ClusterIP' && Array.isArray(spec.externalIPs) && spec.externalIPs.length > 0);
  if (externallyAccessible) setDefault(spec, 'externalTrafficPolicy', 'Cluster');
  if (['ClusterIP', 'NodePort', 'LoadBalancer'].includes(spec.type as string)) setDefault(spec, 'internalTrafficPolicy', 'Cluster');
  if (spec.type === 'LoadBalancer') setDefault(spec, 'allocateLoadBalancerNodePorts', true);
  // status and status.loadBalancer are structs in Kubernetes, so every Service shows `{"loadBalancer":{}}`.
  child(child(svc, 'status'), 'loadBalancer');
}

export function defaultEndpoints(ep: KubeObject): void {
  each(ep.subsets, (subset) => each(subset.ports, (p) => setDefault(p, 'protocol', 'TCP')));
}

// ---- cluster-scoped -----------------------------------------------------------------------

/**
 * A namespace is born Active with the `kubernetes` finalizer, which the namespace controller
 * removes once the contents are gone. An explicitly empty list is left alone: that is the
 * finalizer having been removed. The `kubernetes.io/metadata.name` label always equals the
 * name, so namespace selectors can pick a namespace by name.
 */
export function defaultNamespace(ns: KubeObject): void {
  if (isObject(ns.metadata) && typeof ns.metadata.name === 'string' && ns.metadata.name) {
    ns.metadata.labels = { ...(isObject(ns.metadata.labels) ? ns.metadata.labels : {}), 'kubernetes.io/metadata.name': ns.metadata.name };
  }
  const spec = child(ns, 'spec');
  if (!Array.isArray(spec.finalizers)) spec.finalizers = ['kubernetes'];
  setDefault(child(ns, 'status'), 'phase', 'Active');
}

/** NodeSystemInfo's fields, none omitempty: a Node nobody has reported on shows them all empty. */
const NODE_INFO_FIELDS = ['machineID', 'systemUUID', 'bootID', 'kernelVersion', 'osImage', 'containerRuntimeVersion', 'kubeletVersion', 'kubeProxyVersion', 'operatingSystem', 'architecture'];

export function defaultNode(node: KubeObject): void {
  const status = child(node, 'status');
  if (isObject(status.capacity) && !isObject(status.allocatable)) status.allocatable = { ...status.capacity };
  // daemonEndpoints and nodeInfo are structs in Kubernetes, so always serialized.
  setDefault(child(child(status, 'daemonEndpoints'), 'kubeletEndpoint'), 'Port', 0);
  const info = child(status, 'nodeInfo');
  for (const field of NODE_INFO_FIELDS) setDefault(info, field, '');
}

/**
 * Secrets default to Opaque. `stringData` is a write-only convenience: its entries are encoded
 * into `data` (winning over `data` entries of the same key) and it is never stored.
 */
export function defaultSecret(secret: KubeObject): void {
  setDefault(secret, 'type', 'Opaque');
  if (isObject(secret.stringData)) {
    const data = child(secret, 'data');
    for (const [k, v] of Object.entries(secret.stringData)) if (typeof v === 'string') data[k] = Buffer.from(v, 'utf8').toString('base64');
    delete secret.stringData;
  }
}
