import {
  configMapKeyErrors,
  dns1123LabelErrors,
  dns1123SubdomainErrors,
  envVarNameErrors,
  inclusiveRangeError,
  labelValueErrors,
  portNameErrors,
  portNumberErrors,
  qualifiedNameErrors,
} from '../names.js';
import {
  duplicate,
  FieldPath,
  forbidden,
  invalid,
  invalidEach,
  NEGATIVE,
  notFound,
  notSupported,
  required,
  type FieldErrors,
} from './fieldErrors.js';
import { validateLabels } from './objectMeta.js';
import { parseResourceQuantity } from './resourceQuantity.js';
import { arr, int, isObject, obj, str, type Json } from './values.js';

/**
 * Kubernetes' ValidatePodSpec (pkg/apis/core/validation): volumes, containers, init
 * containers, probes, resources and the pod-wide policies. Used for Pods and for the pod
 * templates of Deployments and ReplicaSets.
 */
export interface PodSpecOptions {
  /** The spec belongs to a Pod rather than to a template; a few checks apply to Pods only. */
  isPod: boolean;
}

const SUPPORTED_PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const FILE_MODE_ERROR = 'must be a number between 0 and 0777 (octal), both inclusive';
const MAX_INT32 = 2 ** 31 - 1;

/** Every volume source Kubernetes knows, in the order it checks them. */
const VOLUME_SOURCES = [
  'emptyDir', 'hostPath', 'gitRepo', 'gcePersistentDisk', 'awsElasticBlockStore', 'secret', 'nfs', 'iscsi', 'glusterfs',
  'flocker', 'persistentVolumeClaim', 'rbd', 'cinder', 'cephfs', 'quobyte', 'downwardAPI', 'fc', 'flexVolume', 'configMap',
  'azureFile', 'vsphereVolume', 'photonPersistentDisk', 'portworxVolume', 'azureDisk', 'storageos', 'projected', 'scaleIO',
  'csi', 'ephemeral', 'image',
] as const;

/** The sources a Skiff node agent can provide; the rest are refused rather than silently not mounted. */
export const SUPPORTED_VOLUME_SOURCES: readonly string[] = ['configMap', 'downwardAPI', 'emptyDir', 'hostPath', 'persistentVolumeClaim', 'projected', 'secret'];

const HOST_PATH_TYPES = ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'];

export function validatePodSpec(raw: unknown, path: FieldPath, errs: FieldErrors, opts: PodSpecOptions): void {
  const spec = obj(raw, path, errs);
  const volumes = validateVolumes(spec.volumes, path.child('volumes'), errs);
  const containers = arr(spec.containers, path.child('containers'), errs);
  const initContainers = arr(spec.initContainers, path.child('initContainers'), errs);
  validateContainers(containers, volumes, path.child('containers'), errs, opts);
  validateInitContainers(initContainers, containers, volumes, path.child('initContainers'), errs, opts);

  const restartPolicy = str(spec.restartPolicy, path.child('restartPolicy'), errs);
  if (restartPolicy && !['Always', 'OnFailure', 'Never'].includes(restartPolicy)) {
    errs.push(notSupported(path.child('restartPolicy'), restartPolicy, ['Always', 'OnFailure', 'Never']));
  }
  const dnsPolicy = str(spec.dnsPolicy, path.child('dnsPolicy'), errs);
  const dnsPolicies = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
  if (dnsPolicy && !dnsPolicies.includes(dnsPolicy)) errs.push(notSupported(path.child('dnsPolicy'), dnsPolicy, dnsPolicies));

  validateLabels(spec.nodeSelector, path.child('nodeSelector'), errs);
  for (const f of ['serviceAccountName', 'nodeName', 'priorityClassName'] as const) {
    const v = str(spec[f], path.child(f), errs);
    if (v) errs.push(...invalidEach(path.child(f), v, dns1123SubdomainErrors(v)));
  }
  for (const f of ['hostname', 'subdomain'] as const) {
    const v = str(spec[f], path.child(f), errs);
    if (v) errs.push(...invalidEach(path.child(f), v, dns1123LabelErrors(v)));
  }
  const deadline = int(spec.activeDeadlineSeconds, path.child('activeDeadlineSeconds'), errs);
  if (deadline !== undefined && (deadline < 1 || deadline > MAX_INT32)) {
    errs.push(invalid(path.child('activeDeadlineSeconds'), deadline, inclusiveRangeError(1, MAX_INT32)));
  }
  int(spec.terminationGracePeriodSeconds, path.child('terminationGracePeriodSeconds'), errs);
  validateTolerations(spec.tolerations, path.child('tolerations'), errs);
  arr(spec.readinessGates, path.child('readinessGates'), errs).forEach((g, i) => {
    const p = path.child('readinessGates').index(i).child('conditionType');
    const t = str(obj(g, path.child('readinessGates').index(i), errs).conditionType, p, errs);
    errs.push(...invalidEach(p, t, qualifiedNameErrors(t)));
  });
}

// ---- volumes --------------------------------------------------------------------------------

/** Returns the names of the volumes that are valid, which is what volume mounts may refer to. */
function validateVolumes(raw: unknown, path: FieldPath, errs: FieldErrors): Set<string> {
  const names = new Set<string>();
  arr(raw, path, errs).forEach((rawVolume, i) => {
    const p = path.index(i);
    const vol = obj(rawVolume, p, errs);
    const own: FieldErrors = [];
    validateVolumeSource(vol, p, own);
    const name = str(vol.name, p.child('name'), own);
    if (!name) own.push(required(p.child('name')));
    else own.push(...invalidEach(p.child('name'), name, dns1123LabelErrors(name)));
    if (names.has(name)) own.push(duplicate(p.child('name'), name));
    if (own.length === 0) names.add(name);
    errs.push(...own);
  });
  return names;
}

function validateVolumeSource(vol: Json, path: FieldPath, errs: FieldErrors): void {
  let count = 0;
  for (const source of VOLUME_SOURCES) {
    if (vol[source] === undefined || vol[source] === null) continue;
    const p = path.child(source);
    if (count > 0) {
      errs.push(forbidden(p, 'may not specify more than 1 volume type'));
      continue;
    }
    count++;
    if (!SUPPORTED_VOLUME_SOURCES.includes(source)) {
      errs.push(forbidden(p, `volume type not supported by this cluster; supported types: ${SUPPORTED_VOLUME_SOURCES.join(', ')}`));
      continue;
    }
    const src = obj(vol[source], p, errs);
    switch (source) {
      case 'emptyDir':
        if (src.sizeLimit !== undefined) validateQuantityValue(src.sizeLimit, p.child('sizeLimit'), errs);
        break;
      case 'hostPath': {
        const hostPath = str(src.path, p.child('path'), errs);
        if (!hostPath) {
          errs.push(required(p.child('path')));
          break;
        }
        if (hostPath.split('/').includes('..')) errs.push(invalid(p.child('path'), hostPath, "must not contain '..'"));
        const type = str(src.type, p.child('type'), errs);
        if (!HOST_PATH_TYPES.includes(type)) errs.push(notSupported(p.child('type'), type, HOST_PATH_TYPES));
        break;
      }
      case 'secret':
        if (!str(src.secretName, p.child('secretName'), errs)) errs.push(required(p.child('secretName')));
        validateKeyToPaths(src, p, errs);
        break;
      case 'configMap':
        if (!str(src.name, p.child('name'), errs)) errs.push(required(p.child('name')));
        validateKeyToPaths(src, p, errs);
        break;
      case 'persistentVolumeClaim':
        if (!str(src.claimName, p.child('claimName'), errs)) errs.push(required(p.child('claimName')));
        break;
      case 'downwardAPI':
        validateFileMode(src.defaultMode, p.child('defaultMode'), errs);
        arr(src.items, p.child('items'), errs).forEach((item, j) => validateDownwardAPIFile(item, p.child('items').index(j), errs));
        break;
      case 'projected':
        validateFileMode(src.defaultMode, p.child('defaultMode'), errs);
        arr(src.sources, p.child('sources'), errs).forEach((s, j) => validateProjection(s, p.child('sources').index(j), errs));
        break;
    }
  }
  if (count === 0) errs.push(required(path, 'must specify a volume type'));
}

function validateFileMode(mode: unknown, path: FieldPath, errs: FieldErrors): void {
  const m = int(mode, path, errs);
  if (m !== undefined && (m < 0 || m > 0o777)) errs.push(invalid(path, m, FILE_MODE_ERROR));
}

/** A path inside a volume: relative, and never climbing out of it. */
function validateLocalPath(value: string, path: FieldPath, errs: FieldErrors): void {
  if (value.startsWith('/')) errs.push(invalid(path, value, 'must be a relative path'));
  if (value.split('/').includes('..')) errs.push(invalid(path, value, "must not contain '..'"));
  else if (value.startsWith('..')) errs.push(invalid(path, value, "must not start with '..'"));
}

function validateKeyToPaths(src: Json, path: FieldPath, errs: FieldErrors): void {
  validateFileMode(src.defaultMode, path.child('defaultMode'), errs);
  arr(src.items, path.child('items'), errs).forEach((raw, i) => {
    const p = path.child('items').index(i);
    const item = obj(raw, p, errs);
    if (!str(item.key, p.child('key'), errs)) errs.push(required(p.child('key')));
    const itemPath = str(item.path, p.child('path'), errs);
    if (!itemPath) errs.push(required(p.child('path')));
    else validateLocalPath(itemPath, p.child('path'), errs);
    validateFileMode(item.mode, p.child('mode'), errs);
  });
}

function validateDownwardAPIFile(raw: unknown, path: FieldPath, errs: FieldErrors): void {
  const file = obj(raw, path, errs);
  const filePath = str(file.path, path.child('path'), errs);
  if (!filePath) errs.push(required(path.child('path')));
  else validateLocalPath(filePath, path.child('path'), errs);
  if (file.fieldRef === undefined && file.resourceFieldRef === undefined) errs.push(required(path, 'one of fieldRef and resourceFieldRef is required'));
  if (file.fieldRef !== undefined && file.resourceFieldRef !== undefined) errs.push(invalid(path, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
  validateFileMode(file.mode, path.child('mode'), errs);
}

function validateProjection(raw: unknown, path: FieldPath, errs: FieldErrors): void {
  const source = obj(raw, path, errs);
  const kinds = ['secret', 'configMap', 'downwardAPI', 'serviceAccountToken', 'clusterTrustBundle', 'podCertificate'].filter((k) => source[k] !== undefined);
  if (kinds.length > 1) errs.push(forbidden(path, 'may not specify more than 1 volume type per source'));
  if (kinds.length === 0) errs.push(required(path, 'must specify exactly one volume type'));
  for (const k of ['secret', 'configMap'] as const) {
    if (source[k] === undefined) continue;
    const s = obj(source[k], path.child(k), errs);
    if (!str(s.name, path.child(k, 'name'), errs)) errs.push(required(path.child(k, 'name')));
    validateKeyToPaths({ items: s.items }, path.child(k), errs);
  }
}

// ---- containers -----------------------------------------------------------------------------

function validateContainers(containers: unknown[], volumes: Set<string>, path: FieldPath, errs: FieldErrors, opts: PodSpecOptions): void {
  if (containers.length === 0) {
    errs.push(required(path));
    return;
  }
  const names = new Set<string>();
  containers.forEach((raw, i) => {
    const p = path.index(i);
    const ctr = obj(raw, p, errs);
    const name = validateContainerCommon(ctr, volumes, p, errs, opts);
    if (names.has(name)) errs.push(duplicate(p.child('name'), name));
    else names.add(name);
    if (ctr.lifecycle !== undefined) validateLifecycle(ctr.lifecycle, p.child('lifecycle'), errs);
    validateProbe(ctr.livenessProbe, 'liveness', p.child('livenessProbe'), errs);
    validateProbe(ctr.readinessProbe, 'readiness', p.child('readinessProbe'), errs);
    validateProbe(ctr.startupProbe, 'startup', p.child('startupProbe'), errs);
    if (ctr.restartPolicy !== undefined) errs.push(forbidden(p.child('restartPolicy'), 'may not be set for non-init containers'));
  });
  validateHostPorts(containers, path, errs);
}

function validateInitContainers(
  containers: unknown[],
  regular: unknown[],
  volumes: Set<string>,
  path: FieldPath,
  errs: FieldErrors,
  opts: PodSpecOptions,
): void {
  const names = new Set<string>(regular.filter(isObject).map((c) => String(c.name ?? '')));
  containers.forEach((raw, i) => {
    const p = path.index(i);
    const ctr = obj(raw, p, errs);
    const name = validateContainerCommon(ctr, volumes, p, errs, opts);
    let sidecar = false;
    if (ctr.restartPolicy !== undefined) {
      const policy = str(ctr.restartPolicy, p.child('restartPolicy'), errs);
      if (policy !== 'Always') errs.push(notSupported(p.child('restartPolicy'), policy, ['Always']));
      sidecar = policy === 'Always';
    }
    if (names.has(name)) errs.push(duplicate(p.child('name'), name));
    else if (name) names.add(name);
    validateHostPorts([ctr], path, errs);
    if (sidecar) {
      if (ctr.lifecycle !== undefined) validateLifecycle(ctr.lifecycle, p.child('lifecycle'), errs);
      validateProbe(ctr.livenessProbe, 'liveness', p.child('livenessProbe'), errs);
      validateProbe(ctr.readinessProbe, 'readiness', p.child('readinessProbe'), errs);
      validateProbe(ctr.startupProbe, 'startup', p.child('startupProbe'), errs);
    } else {
      for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'] as const) {
        if (ctr[f] !== undefined) errs.push(forbidden(p.child(f), 'may not be set for init containers without restartPolicy=Always'));
      }
    }
  });
}

/** Checks shared by every container kind; returns the container's name. */
function validateContainerCommon(ctr: Json, volumes: Set<string>, path: FieldPath, errs: FieldErrors, opts: PodSpecOptions): string {
  const name = str(ctr.name, path.child('name'), errs);
  if (!name) errs.push(required(path.child('name')));
  else errs.push(...invalidEach(path.child('name'), name, dns1123LabelErrors(name)));

  const image = str(ctr.image, path.child('image'), errs);
  if (!image) errs.push(required(path.child('image')));
  else if (opts.isPod && image.trim() !== image) errs.push(invalid(path.child('image'), image, 'must not have leading or trailing whitespace'));

  const tmp = str(ctr.terminationMessagePolicy, path.child('terminationMessagePolicy'), errs);
  if (tmp && !['File', 'FallbackToLogsOnError'].includes(tmp)) {
    errs.push(notSupported(path.child('terminationMessagePolicy'), tmp, ['File', 'FallbackToLogsOnError']));
  }
  const pull = str(ctr.imagePullPolicy, path.child('imagePullPolicy'), errs);
  if (pull && !['Always', 'IfNotPresent', 'Never'].includes(pull)) {
    errs.push(notSupported(path.child('imagePullPolicy'), pull, ['Always', 'IfNotPresent', 'Never']));
  }
  validateContainerPorts(ctr.ports, path.child('ports'), errs);
  validateEnv(ctr.env, path.child('env'), errs);
  validateEnvFrom(ctr.envFrom, path.child('envFrom'), errs);
  validateVolumeMounts(ctr.volumeMounts, volumes, path.child('volumeMounts'), errs);
  validateResources(ctr.resources, path.child('resources'), errs);
  validateSecurityContext(ctr.securityContext, path.child('securityContext'), errs);
  return name;
}

function validateContainerPorts(raw: unknown, path: FieldPath, errs: FieldErrors): void {
  const names = new Set<string>();
  arr(raw, path, errs).forEach((rawPort, i) => {
    const p = path.index(i);
    const port = obj(rawPort, p, errs);
    const name = str(port.name, p.child('name'), errs);
    if (name) {
      const problems = portNameErrors(name);
      if (problems.length) errs.push(...invalidEach(p.child('name'), name, problems));
      else if (names.has(name)) errs.push(duplicate(p.child('name'), name));
      else names.add(name);
    }
    const containerPort = int(port.containerPort, p.child('containerPort'), errs);
    if (!containerPort) {
      if (port.containerPort === undefined || port.containerPort === 0) errs.push(required(p.child('containerPort')));
    } else {
      errs.push(...invalidEach(p.child('containerPort'), containerPort, portNumberErrors(containerPort)));
    }
    const hostPort = int(port.hostPort, p.child('hostPort'), errs);
    if (hostPort) errs.push(...invalidEach(p.child('hostPort'), hostPort, portNumberErrors(hostPort)));
    validateProtocol(port.protocol, p.child('protocol'), errs);
  });
}

export function validateProtocol(raw: unknown, path: FieldPath, errs: FieldErrors): void {
  if (raw === undefined) return; // defaulted to TCP
  const protocol = str(raw, path, errs);
  if (!protocol) errs.push(required(path));
  else if (!SUPPORTED_PROTOCOLS.includes(protocol)) errs.push(notSupported(path, protocol, SUPPORTED_PROTOCOLS));
}

function validateHostPorts(containers: unknown[], path: FieldPath, errs: FieldErrors): void {
  const seen = new Set<string>();
  containers.forEach((c, ci) => {
    if (!isObject(c) || !Array.isArray(c.ports)) return;
    c.ports.forEach((port, pi) => {
      if (!isObject(port) || !port.hostPort) return;
      const key = `${String(port.protocol ?? 'TCP')}/${String(port.hostIP ?? '')}/${String(port.hostPort)}`;
      if (seen.has(key)) errs.push(duplicate(path.index(ci).child('ports').index(pi).child('hostPort'), key));
      seen.add(key);
    });
  });
}

const ENV_FIELD_PATHS = ['metadata.name', 'metadata.namespace', 'metadata.uid', 'spec.nodeName', 'spec.serviceAccountName', 'status.hostIP', 'status.hostIPs', 'status.podIP', 'status.podIPs'];
const ENV_RESOURCE_PATHS = ['limits.cpu', 'limits.ephemeral-storage', 'limits.memory', 'requests.cpu', 'requests.ephemeral-storage', 'requests.memory'];

function validateEnv(raw: unknown, path: FieldPath, errs: FieldErrors): void {
  arr(raw, path, errs).forEach((rawVar, i) => {
    const p = path.index(i);
    const ev = obj(rawVar, p, errs);
    const name = str(ev.name, p.child('name'), errs);
    if (!name) errs.push(required(p.child('name')));
    else errs.push(...invalidEach(p.child('name'), name, envVarNameErrors(name)));
    if (ev.valueFrom === undefined || ev.valueFrom === null) return;
    const vp = p.child('valueFrom');
    const from = obj(ev.valueFrom, vp, errs);
    let sources = 0;
    if (from.fieldRef !== undefined) {
      sources++;
      const ref = obj(from.fieldRef, vp.child('fieldRef'), errs);
      // apiVersion is defaulted to v1, so only an explicitly empty one is missing.
      const apiVersion = str(ref.apiVersion, vp.child('fieldRef', 'apiVersion'), errs);
      if (ref.apiVersion !== undefined && !apiVersion) errs.push(required(vp.child('fieldRef', 'apiVersion')));
      const fieldPath = str(ref.fieldPath, vp.child('fieldRef', 'fieldPath'), errs);
      if (!fieldPath) errs.push(required(vp.child('fieldRef', 'fieldPath')));
      else validateDownwardFieldPath(fieldPath, vp.child('fieldRef'), errs);
    }
    if (from.resourceFieldRef !== undefined) {
      sources++;
      const ref = obj(from.resourceFieldRef, vp.child('resourceFieldRef'), errs);
      const resource = str(ref.resource, vp.child('resourceFieldRef', 'resource'), errs);
      if (!resource) errs.push(required(vp.child('resourceFieldRef', 'resource')));
      else if (!ENV_RESOURCE_PATHS.includes(resource) && !/^(requests|limits)\.hugepages-/.test(resource)) {
        errs.push(notSupported(vp.child('resourceFieldRef', 'resource'), resource, ENV_RESOURCE_PATHS));
      }
    }
    for (const k of ['configMapKeyRef', 'secretKeyRef'] as const) {
      if (from[k] === undefined) continue;
      sources++;
      const ref = obj(from[k], vp.child(k), errs);
      const refName = str(ref.name, vp.child(k, 'name'), errs);
      errs.push(...invalidEach(vp.child(k, 'name'), refName, dns1123SubdomainErrors(refName)));
      const key = str(ref.key, vp.child(k, 'key'), errs);
      if (!key) errs.push(required(vp.child(k, 'key')));
      else errs.push(...invalidEach(vp.child(k, 'key'), key, configMapKeyErrors(key)));
    }
    if (sources === 0) errs.push(invalid(vp, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`'));
    else if (typeof ev.value === 'string' && ev.value.length > 0) errs.push(invalid(vp, '', 'may not be specified when `value` is not empty'));
    else if (sources > 1) errs.push(invalid(vp, '', 'may not have more than one field specified at a time'));
  });
}

function validateDownwardFieldPath(fieldPath: string, path: FieldPath, errs: FieldErrors): void {
  const subscripted = /^(metadata\.(?:labels|annotations))\['(.*)'\]$/.exec(fieldPath);
  if (subscripted) {
    const key = subscripted[1] === 'metadata.annotations' ? subscripted[2].toLowerCase() : subscripted[2];
    errs.push(...invalidEach(path, key, qualifiedNameErrors(key)));
    return;
  }
  if (!ENV_FIELD_PATHS.includes(fieldPath)) errs.push(notSupported(path.child('fieldPath'), fieldPath, ENV_FIELD_PATHS));
}

function validateEnvFrom(raw: unknown, path: FieldPath, errs: FieldErrors): void {
  arr(raw, path, errs).forEach((rawSource, i) => {
    const p = path.index(i);
    const source = obj(rawSource, p, errs);
    const prefix = str(source.prefix, p.child('prefix'), errs);
    if (prefix) errs.push(...invalidEach(p.child('prefix'), prefix, envVarNameErrors(prefix)));
    let sources = 0;
    for (const k of ['configMapRef', 'secretRef'] as const) {
      if (source[k] === undefined) continue;
      sources++;
      const refName = str(obj(source[k], p.child(k), errs).name, p.child(k, 'name'), errs);
      if (!refName) errs.push(required(p.child(k, 'name')));
      else errs.push(...invalidEach(p.child(k, 'name'), refName, dns1123SubdomainErrors(refName)));
    }
    if (sources === 0) errs.push(invalid(p, '', 'must specify one of: `configMapRef` or `secretRef`'));
    else if (sources > 1) errs.push(invalid(p, '', 'may not have more than one field specified at a time'));
  });
}

function validateVolumeMounts(raw: unknown, volumes: Set<string>, path: FieldPath, errs: FieldErrors): void {
  const mountPoints = new Set<string>();
  arr(raw, path, errs).forEach((rawMount, i) => {
    const p = path.index(i);
    const mount = obj(rawMount, p, errs);
    const name = str(mount.name, p.child('name'), errs);
    if (!name) errs.push(required(p.child('name')));
    if (!volumes.has(name)) errs.push(notFound(p.child('name'), name));
    const mountPath = str(mount.mountPath, p.child('mountPath'), errs);
    if (!mountPath) errs.push(required(p.child('mountPath')));
    if (mountPoints.has(mountPath)) errs.push(invalid(p.child('mountPath'), mountPath, 'must be unique'));
    mountPoints.add(mountPath);
    const subPath = str(mount.subPath, p.child('subPath'), errs);
    if (subPath) validateLocalPath(subPath, p.child('subPath'), errs);
    const subPathExpr = str(mount.subPathExpr, p.child('subPathExpr'), errs);
    if (subPathExpr && subPath) errs.push(invalid(p.child('subPathExpr'), subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
  });
}

// ---- resources ------------------------------------------------------------------------------

const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

function isNativeResource(name: string): boolean {
  return !name.includes('/') || name.includes('kubernetes.io/');
}

/** Extended resources (GPUs, devices) and hugepages cannot be overcommitted: request must equal limit. */
function isOvercommitAllowed(name: string): boolean {
  return isNativeResource(name) && !name.startsWith('hugepages-');
}

/** A container resource name (also the names a LimitRange of type Container or Pod may use). */
export function validateContainerResourceName(name: string, path: FieldPath, errs: FieldErrors): void {
  const problems = qualifiedNameErrors(name);
  if (problems.length) {
    errs.push(...invalidEach(path, name, problems));
    return;
  }
  if (!name.includes('/') && !STANDARD_CONTAINER_RESOURCES.has(name) && !name.startsWith('hugepages-')) {
    errs.push(invalid(path, name, 'must be a standard resource for containers'));
  }
}

/** Kubernetes' quantity check plus "not negative"; returns the value when the quantity parses. */
function validateQuantityValue(raw: unknown, path: FieldPath, errs: FieldErrors): number | undefined {
  const q = parseResourceQuantity(raw);
  if (!q.ok) {
    errs.push(invalid(path, raw, q.message));
    return undefined;
  }
  if (q.value < 0) errs.push(invalid(path, raw, NEGATIVE));
  return q.value;
}

function validateResources(raw: unknown, path: FieldPath, errs: FieldErrors): void {
  const res = obj(raw, path, errs);
  const limits = obj(res.limits, path.child('limits'), errs);
  const requests = obj(res.requests, path.child('requests'), errs);
  const limitValues = new Map<string, number>();
  for (const [name, q] of Object.entries(limits)) {
    const p = path.child('limits').key(name);
    validateContainerResourceName(name, p, errs);
    const v = validateQuantityValue(q, p, errs);
    if (v !== undefined) limitValues.set(name, v);
  }
  for (const [name, q] of Object.entries(requests)) {
    const p = path.child('requests').key(name);
    validateContainerResourceName(name, p, errs);
    const v = validateQuantityValue(q, p, errs);
    if (v === undefined) continue;
    const limit = limitValues.get(name);
    if (limit !== undefined) {
      const shown = String(limits[name]);
      if (!isOvercommitAllowed(name) && v !== limit) errs.push(invalid(path.child('requests'), String(q), `must be equal to ${name} limit of ${shown}`));
      else if (v > limit) errs.push(invalid(path.child('requests'), String(q), `must be less than or equal to ${name} limit of ${shown}`));
    } else if (!isOvercommitAllowed(name) && limits[name] === undefined) {
      errs.push(required(path.child('limits'), 'Limit must be set for non overcommitable resources'));
    }
  }
}

function validateSecurityContext(raw: unknown, path: FieldPath, errs: FieldErrors): void {
  if (raw === undefined || raw === null) return;
  const sc = obj(raw, path, errs);
  for (const f of ['runAsUser', 'runAsGroup'] as const) {
    const id = int(sc[f], path.child(f), errs);
    if (id !== undefined && (id < 0 || id > 0xffffffff)) errs.push(invalid(path.child(f), id, inclusiveRangeError(0, 0xffffffff)));
  }
  if (sc.allowPrivilegeEscalation === false && sc.privileged === true) {
    errs.push(invalid(path, sc, 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true'));
  }
}

// ---- probes and lifecycle handlers ----------------------------------------------------------

type ProbeKind = 'liveness' | 'readiness' | 'startup';

function validateProbe(raw: unknown, kind: ProbeKind, path: FieldPath, errs: FieldErrors): void {
  if (raw === undefined || raw === null) return;
  const probe = obj(raw, path, errs);
  validateHandler(probe, ['exec', 'httpGet', 'tcpSocket', 'grpc'], path, errs);
  for (const f of ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'] as const) {
    const v = int(probe[f], path.child(f), errs);
    if (v !== undefined && v < 0) errs.push(invalid(path.child(f), v, NEGATIVE));
  }
  const grace = int(probe.terminationGracePeriodSeconds, path.child('terminationGracePeriodSeconds'), errs);
  if (grace !== undefined && grace <= 0) errs.push(invalid(path.child('terminationGracePeriodSeconds'), grace, 'must be greater than 0'));
  if (kind === 'readiness' && probe.terminationGracePeriodSeconds !== undefined) {
    errs.push(invalid(path.child('terminationGracePeriodSeconds'), probe.terminationGracePeriodSeconds, 'must not be set for readinessProbes'));
  }
  if (kind !== 'readiness' && probe.successThreshold !== undefined && probe.successThreshold !== 1) {
    errs.push(invalid(path.child('successThreshold'), probe.successThreshold, 'must be 1'));
  }
}

function validateLifecycle(raw: unknown, path: FieldPath, errs: FieldErrors): void {
  const lifecycle = obj(raw, path, errs);
  for (const hook of ['postStart', 'preStop'] as const) {
    if (lifecycle[hook] === undefined || lifecycle[hook] === null) continue;
    validateHandler(obj(lifecycle[hook], path.child(hook), errs), ['exec', 'httpGet', 'tcpSocket', 'sleep'], path.child(hook), errs);
  }
}

/** Exactly one handler: the first one counts, every further one is forbidden. */
function validateHandler(handler: Json, kinds: readonly string[], path: FieldPath, errs: FieldErrors): void {
  let count = 0;
  for (const kind of kinds) {
    if (handler[kind] === undefined || handler[kind] === null) continue;
    const p = path.child(kind);
    if (count > 0) {
      errs.push(forbidden(p, 'may not specify more than 1 handler type'));
      continue;
    }
    count++;
    const action = obj(handler[kind], p, errs);
    switch (kind) {
      case 'exec':
        if (arr(action.command, p.child('command'), errs).length === 0) errs.push(required(p.child('command')));
        break;
      case 'httpGet': {
        if (action.path !== undefined && !str(action.path, p.child('path'), errs)) errs.push(required(p.child('path')));
        validatePortNumOrName(action.port, p.child('port'), errs);
        const scheme = str(action.scheme, p.child('scheme'), errs);
        if (action.scheme !== undefined && !['HTTP', 'HTTPS'].includes(scheme)) errs.push(notSupported(p.child('scheme'), scheme, ['HTTP', 'HTTPS']));
        arr(action.httpHeaders, p.child('httpHeaders'), errs).forEach((h, i) => {
          const name = str(obj(h, p.child('httpHeaders').index(i), errs).name, p.child('httpHeaders'), errs);
          if (!/^[-A-Za-z0-9]+$/.test(name)) {
            errs.push(invalid(p.child('httpHeaders'), name, "a valid HTTP header must consist of alphanumeric characters or '-' (e.g. 'X-Header-Name', regex used for validation is '[-A-Za-z0-9]+')"));
          }
        });
        break;
      }
      case 'tcpSocket':
        validatePortNumOrName(action.port, p.child('port'), errs);
        break;
      case 'grpc': {
        const port = int(action.port, p.child('port'), errs);
        if (port === undefined) errs.push(required(p.child('port')));
        else errs.push(...invalidEach(p.child('port'), port, portNumberErrors(port)));
        break;
      }
      case 'sleep': {
        const seconds = int(action.seconds, p.child('seconds'), errs);
        if (seconds !== undefined && seconds < 0) errs.push(invalid(p, seconds, 'must be non-negative'));
        break;
      }
    }
  }
  if (count === 0) errs.push(required(path, 'must specify a handler type'));
}

/** An IntOrString port: a number 1-65535 or an IANA port name. */
export function validatePortNumOrName(raw: unknown, path: FieldPath, errs: FieldErrors): void {
  if (typeof raw === 'number') errs.push(...invalidEach(path, raw, portNumberErrors(raw)));
  else if (typeof raw === 'string') errs.push(...invalidEach(path, raw, portNameErrors(raw)));
  else if (raw === undefined || raw === null) errs.push(...invalidEach(path, 0, portNumberErrors(0)));
  else errs.push(invalid(path, raw, 'must be an integer or a port name'));
}

// ---- tolerations ----------------------------------------------------------------------------

const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

export function validateTaintEffect(raw: unknown, allowEmpty: boolean, path: FieldPath, errs: FieldErrors): void {
  const effect = str(raw, path, errs);
  if (!effect) {
    if (!allowEmpty) errs.push(required(path));
    return;
  }
  if (!TAINT_EFFECTS.includes(effect)) errs.push(notSupported(path, effect, TAINT_EFFECTS));
}

export function validateTolerations(raw: unknown, path: FieldPath, errs: FieldErrors): void {
  arr(raw, path, errs).forEach((rawToleration, i) => {
    const p = path.index(i);
    const t = obj(rawToleration, p, errs);
    const key = str(t.key, p.child('key'), errs);
    const operator = str(t.operator, p.child('operator'), errs);
    const value = str(t.value, p.child('value'), errs);
    if (key) errs.push(...invalidEach(p.child('key'), key, qualifiedNameErrors(key)));
    if (!key && operator !== 'Exists') {
      errs.push(invalid(p.child('operator'), operator, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t.tolerationSeconds !== undefined && t.tolerationSeconds !== null && t.effect !== 'NoExecute') {
      errs.push(invalid(p.child('effect'), t.effect ?? '', "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    switch (operator) {
      case '':
      case 'Equal': {
        const problems = labelValueErrors(value);
        if (problems.length) errs.push(invalid(p.child('operator'), value, problems.join(';')));
        break;
      }
      case 'Exists':
        if (value) errs.push(invalid(p.child('operator'), value, "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        errs.push(notSupported(p.child('operator'), operator, ['Equal', 'Exists']));
    }
    if (t.effect) validateTaintEffect(t.effect, true, p.child('effect'), errs);
  });
}
