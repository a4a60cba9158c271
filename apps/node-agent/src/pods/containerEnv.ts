import { parseQuantity, type KubeObject } from '@skiff/apimachinery';
import type { FetchedClaim } from './claimVolume.js';
import type { IssuedToken } from './serviceAccountTokens.js';
import type { Container, PodSpec } from './podSpec.js';

/**
 * A container's environment as Kubernetes builds it (kubelet makeEnvironmentVariables): the
 * downward-API variables Skiff always sets, then `envFrom` sources in order, then `env`, where a
 * value may refer to variables defined before it as `$(NAME)`. Pure: the ConfigMaps and Secrets
 * it reads are fetched beforehand (see `referencedObjects`).
 */

export interface EnvContext {
  pod: KubeObject;
  podIP: string;
  hostIP: string;
  nodeName: string;
  /** What `resourceFieldRef` reports for a limit the container does not set. */
  nodeAllocatable: { cpu: number; memory: number };
}

/** Fetched objects by name; `undefined` means "does not exist". */
export interface ReferencedObjects {
  configMaps: Map<string, KubeObject | undefined>;
  secrets: Map<string, KubeObject | undefined>;
  /** The Services of the pod's namespace, for the service environment variables. */
  services?: readonly KubeObject[];
  /** The claims the pod's volumes name, with their volumes. */
  claims?: Map<string, FetchedClaim>;
  /** The `kubernetes` Service of `default`, whose variables every container gets (KUBERNETES_SERVICE_HOST...). */
  masterService?: KubeObject;
  /** The ServiceAccount tokens the pod's projected volumes want, by `tokenKey`. */
  serviceAccountTokens?: Map<string, IssuedToken>;
}

/** What a pod needs fetched before its volumes or a container's environment can be made. */
export interface ObjectReferences {
  configMaps: Set<string>;
  secrets: Set<string>;
  claims?: Set<string>;
  /** The pod whose projected volumes want ServiceAccount tokens bound to it. */
  tokensFor?: KubeObject;
}

/**
 * Kubernetes' service links: for each Service with a cluster IP in the pod's namespace,
 * `<NAME>_SERVICE_HOST`, `<NAME>_SERVICE_PORT` (the first port), `<NAME>_SERVICE_PORT_<PORT NAME>`
 * and the Docker-link style `<NAME>_PORT`, `<NAME>_PORT_<port>_<PROTO>[_PROTO|_PORT|_ADDR]`.
 * Example: Service `backend` at 127.224.0.7 port 80 -> BACKEND_SERVICE_HOST=127.224.0.7,
 * BACKEND_SERVICE_PORT=80, BACKEND_PORT=tcp://127.224.0.7:80.
 */
export function serviceEnv(services: readonly KubeObject[]): Record<string, string> {
  const env: Record<string, string> = {};
  const sorted = [...services].sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  for (const svc of sorted) {
    const spec = (svc.spec ?? {}) as { clusterIP?: string; ports?: { name?: string; port: number; protocol?: string }[] };
    const ip = spec.clusterIP;
    if (!ip || ip === 'None' || !spec.ports?.length) continue;
    const name = (svc.metadata.name ?? '').toUpperCase().replace(/-/g, '_');
    env[`${name}_SERVICE_HOST`] = ip;
    env[`${name}_SERVICE_PORT`] = String(spec.ports[0].port);
    for (const p of spec.ports) if (p.name) env[`${name}_SERVICE_PORT_${p.name.toUpperCase().replace(/-/g, '_')}`] = String(p.port);
    const first = spec.ports[0];
    env[`${name}_PORT`] = `${(first.protocol ?? 'TCP').toLowerCase()}://${ip}:${first.port}`;
    for (const p of spec.ports) {
      const proto = p.protocol ?? 'TCP';
      const prefix = `${name}_PORT_${p.port}_${proto}`;
      env[prefix] = `${proto.toLowerCase()}://${ip}:${p.port}`;
      env[`${prefix}_PROTO`] = proto.toLowerCase();
      env[`${prefix}_PORT`] = String(p.port);
      env[`${prefix}_ADDR`] = ip;
    }
  }
  return env;
}

export type EnvResult = { ok: true; env: Record<string, string> } | { ok: false; message: string };

/** The ConfigMaps and Secrets a container's environment refers to. */
export function referencedObjects(c: Container): { configMaps: Set<string>; secrets: Set<string> } {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  for (const e of c.envFrom ?? []) {
    if (e.configMapRef?.name) configMaps.add(e.configMapRef.name);
    if (e.secretRef?.name) secrets.add(e.secretRef.name);
  }
  for (const e of c.env ?? []) {
    if (e.valueFrom?.configMapKeyRef?.name) configMaps.add(e.valueFrom.configMapKeyRef.name);
    if (e.valueFrom?.secretKeyRef?.name) secrets.add(e.valueFrom.secretKeyRef.name);
  }
  return { configMaps, secrets };
}

/** A ConfigMap's or Secret's data as strings (Secret data is base64 on the wire). */
export function objectData(obj: KubeObject, kind: 'ConfigMap' | 'Secret'): Record<string, string> {
  const out: Record<string, string> = {};
  if (kind === 'ConfigMap') {
    Object.assign(out, (obj.data as Record<string, string> | undefined) ?? {});
    for (const [k, v] of Object.entries((obj.binaryData as Record<string, string> | undefined) ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
  } else {
    for (const [k, v] of Object.entries((obj.data as Record<string, string> | undefined) ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
    Object.assign(out, (obj.stringData as Record<string, string> | undefined) ?? {});
  }
  return out;
}

/**
 * `$(VAR)` references replaced by their values; unknown references are left as they are and
 * `$$(VAR)` is the escape for a literal `$(VAR)` (Kubernetes' expansion.Expand).
 */
export function expandVars(text: string, env: Record<string, string>): string {
  return text.replace(/\$\$|\$\(([^)]*)\)/g, (match, name: string | undefined) => {
    if (match === '$$') return '$';
    return name !== undefined && Object.prototype.hasOwnProperty.call(env, name) ? env[name] : match;
  });
}

const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

const LABEL_FIELD = /^metadata\.(labels|annotations)\['(.+)'\]$/;

function formatMap(m: Record<string, string>): string {
  return Object.keys(m)
    .sort()
    .map((k) => `${k}=${JSON.stringify(m[k])}`)
    .join('\n');
}

/** The value of a downward-API `fieldRef` (env var or downwardAPI volume file). */
export function downwardField(fieldPath: string, ctx: EnvContext): string | undefined {
  const meta = ctx.pod.metadata;
  const spec = (ctx.pod.spec ?? {}) as Partial<PodSpec>;
  switch (fieldPath) {
    case 'metadata.name':
      return meta.name;
    case 'metadata.namespace':
      return meta.namespace;
    case 'metadata.uid':
      return meta.uid;
    case 'metadata.labels':
      return formatMap(meta.labels ?? {});
    case 'metadata.annotations':
      return formatMap(meta.annotations ?? {});
    case 'spec.nodeName':
      return spec.nodeName ?? ctx.nodeName;
    case 'spec.serviceAccountName':
      return spec.serviceAccountName ?? 'default';
    case 'status.podIP':
    case 'status.podIPs':
      return ctx.podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return ctx.hostIP;
  }
  const m = LABEL_FIELD.exec(fieldPath);
  if (m) return (m[1] === 'labels' ? meta.labels : meta.annotations)?.[m[2]] ?? '';
  return undefined;
}

/** A `resourceFieldRef` value: the limit (or request), divided by the divisor and rounded up. */
export function resourceField(ref: { containerName?: string; resource: string; divisor?: string | number }, self: Container, ctx: EnvContext): string | undefined {
  const spec = (ctx.pod.spec ?? {}) as Partial<PodSpec>;
  const c = ref.containerName ? [...(spec.containers ?? []), ...(spec.initContainers ?? [])].find((x) => x.name === ref.containerName) : self;
  if (!c) return undefined;
  const [kind, resource] = ref.resource.split('.', 2) as ['limits' | 'requests', string];
  if ((kind !== 'limits' && kind !== 'requests') || (resource !== 'cpu' && resource !== 'memory' && resource !== 'ephemeral-storage')) return undefined;
  const set = c.resources?.[kind]?.[resource] ?? (kind === 'requests' ? c.resources?.limits?.[resource] : undefined);
  let value: number;
  if (set !== undefined) value = parseQuantity(set);
  else if (kind === 'requests') value = 0;
  else value = resource === 'cpu' ? ctx.nodeAllocatable.cpu : ctx.nodeAllocatable.memory;
  const divisor = ref.divisor !== undefined ? parseQuantity(ref.divisor) : 1;
  return String(Math.ceil(value / (divisor || 1)));
}

function lookup(
  objects: Map<string, KubeObject | undefined>,
  kind: 'ConfigMap' | 'Secret',
  ref: { name?: string; key: string; optional?: boolean },
  namespace: string,
): { value?: string; error?: string } {
  const obj = objects.get(ref.name ?? '');
  const lower = kind === 'ConfigMap' ? 'configmap' : 'secret';
  if (!obj) return ref.optional ? {} : { error: `${lower} "${ref.name ?? ''}" not found` };
  const data = objectData(obj, kind);
  if (!Object.prototype.hasOwnProperty.call(data, ref.key)) {
    return ref.optional ? {} : { error: `couldn't find key ${ref.key} in ${kind} ${namespace}/${ref.name ?? ''}` };
  }
  return { value: data[ref.key] };
}

export function resolveContainerEnv(c: Container, ctx: EnvContext, objects: ReferencedObjects): EnvResult {
  const namespace = ctx.pod.metadata.namespace ?? 'default';
  const links = (ctx.pod.spec as { enableServiceLinks?: boolean } | undefined)?.enableServiceLinks !== false;
  // kubelet always adds the `kubernetes` Service's variables, service links or not (the pods of
  // `default` find it among their namespace's Services).
  const master = objects.masterService && !(links && namespace === 'default') ? [objects.masterService] : [];
  const env: Record<string, string> = {
    // Service variables come first: the pod's own variables override them, as in Kubernetes.
    ...serviceEnv([...(links ? (objects.services ?? []) : []), ...master]),
    POD_NAME: ctx.pod.metadata.name ?? '',
    POD_NAMESPACE: namespace,
    POD_IP: ctx.podIP,
    NODE_NAME: ctx.nodeName,
  };

  for (const from of c.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) continue;
    const kind = from.configMapRef ? 'ConfigMap' : 'Secret';
    const obj = (kind === 'ConfigMap' ? objects.configMaps : objects.secrets).get(ref.name ?? '');
    if (!obj) {
      if (ref.optional) continue;
      return { ok: false, message: `${kind === 'ConfigMap' ? 'configmap' : 'secret'} "${ref.name ?? ''}" not found` };
    }
    for (const [k, v] of Object.entries(objectData(obj, kind))) {
      const name = (from.prefix ?? '') + k;
      // Kubernetes skips keys that are not valid variable names (and says so in an event).
      if (ENV_NAME.test(name)) env[name] = v;
    }
  }

  for (const e of c.env ?? []) {
    const from = e.valueFrom;
    if (!from) {
      env[e.name] = expandVars(e.value ?? '', env);
      continue;
    }
    if (from.configMapKeyRef || from.secretKeyRef) {
      const r = from.configMapKeyRef
        ? lookup(objects.configMaps, 'ConfigMap', from.configMapKeyRef, namespace)
        : lookup(objects.secrets, 'Secret', from.secretKeyRef!, namespace);
      if (r.error) return { ok: false, message: r.error };
      if (r.value !== undefined) env[e.name] = r.value;
      continue;
    }
    if (from.fieldRef) {
      const v = downwardField(from.fieldRef.fieldPath, ctx);
      if (v === undefined) return { ok: false, message: `unsupported fieldRef ${from.fieldRef.fieldPath} in env ${e.name}` };
      env[e.name] = v;
      continue;
    }
    if (from.resourceFieldRef) {
      const v = resourceField(from.resourceFieldRef, c, ctx);
      if (v === undefined) return { ok: false, message: `unsupported resourceFieldRef ${from.resourceFieldRef.resource} in env ${e.name}` };
      env[e.name] = v;
    }
  }
  return { ok: true, env };
}

/** The argv a container runs: command then args, with `$(VAR)` references expanded from its environment. */
export function containerArgv(c: Container, env: Record<string, string>): string[] | undefined {
  if (!c.command || c.command.length === 0) return undefined;
  return [...c.command, ...(c.args ?? [])].map((a) => expandVars(a, env));
}
