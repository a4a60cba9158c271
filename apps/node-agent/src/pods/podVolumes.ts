import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, isAbsolute } from 'node:path';
import { DEFAULT_SECRET_FILE_MODE, type KubeObject } from '@skiff/apimachinery';
import { claimVolume } from './claimVolume.js';
import { downwardField, resourceField, type EnvContext, type ObjectReferences, type ReferencedObjects } from './containerEnv.js';
import { tokenKey, tokensWanted } from './serviceAccountTokens.js';
import type { ServiceAccountTokenProjection } from 'kubernetes-types/core/v1.js';
import { podSpec, type Container, type DownwardAPIVolumeFile, type KeyToPath, type Volume } from './podSpec.js';

/**
 * Pod volumes. A plan (pure) says what each volume holds; materialising it writes the files into
 * the pod's directory; a container's mounts then map those directories to its mount paths (the
 * runtime binds them there, or exposes them another way when it cannot).
 */

export interface VolumeFile {
  /** Relative to the volume's root. */
  path: string;
  content: Buffer;
  mode: number;
}

export type VolumePlan =
  | { name: string; kind: 'emptyDir'; medium?: string; sizeLimit?: string }
  | { name: string; kind: 'hostPath'; path: string; type: string }
  /** A claim's volume: a directory on this node, made on first use when `create`. */
  | { name: string; kind: 'persistentVolume'; path: string; create: boolean; readOnly: boolean }
  | { name: string; kind: 'files'; files: VolumeFile[] };

export type VolumesResult = { ok: true; volumes: VolumePlan[] } | { ok: false; message: string };

export interface Mount {
  hostPath: string;
  containerPath: string;
  readOnly: boolean;
}

const DEFAULT_MODE = 0o644;

/** The ConfigMaps, Secrets and claims a pod's volumes read. */
export function volumeReferences(pod: KubeObject): ObjectReferences & { claims: Set<string> } {
  const tokensFor = tokensWanted(pod).size > 0 ? pod : undefined;
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  const claims = new Set<string>();
  for (const v of podSpec(pod).volumes ?? []) {
    if (v.persistentVolumeClaim?.claimName) claims.add(v.persistentVolumeClaim.claimName);
    if (v.configMap?.name) configMaps.add(v.configMap.name);
    if (v.secret?.secretName) secrets.add(v.secret.secretName);
    for (const s of v.projected?.sources ?? []) {
      if (s.configMap?.name) configMaps.add(s.configMap.name);
      if (s.secret?.name) secrets.add(s.secret.name);
    }
  }
  return { configMaps, secrets, claims, ...(tokensFor ? { tokensFor } : {}) };
}

/** A projected token's file: the token the API server issued for this source, or why there is none. */
function tokenFile(source: ServiceAccountTokenProjection, objects: ReferencedObjects, mode: number): VolumeFile[] | string {
  const path = safeRelative(source.path);
  if (!path) return `invalid path "${source.path}"`;
  const issued = objects.serviceAccountTokens?.get(tokenKey(source));
  if (!issued) return 'failed to fetch token: not requested';
  if (!issued.ok) return issued.message;
  return [{ path, content: Buffer.from(issued.token), mode }];
}

function safeRelative(path: string): string | undefined {
  const p = normalize(path);
  if (isAbsolute(p) || p === '..' || p.startsWith('../') || p === '.') return undefined;
  return p;
}

function rawData(obj: KubeObject, kind: 'ConfigMap' | 'Secret'): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  if (kind === 'ConfigMap') {
    for (const [k, v] of Object.entries((obj.data as Record<string, string> | undefined) ?? {})) out.set(k, Buffer.from(v, 'utf8'));
    for (const [k, v] of Object.entries((obj.binaryData as Record<string, string> | undefined) ?? {})) out.set(k, Buffer.from(v, 'base64'));
  } else {
    for (const [k, v] of Object.entries((obj.data as Record<string, string> | undefined) ?? {})) out.set(k, Buffer.from(v, 'base64'));
    for (const [k, v] of Object.entries((obj.stringData as Record<string, string> | undefined) ?? {})) out.set(k, Buffer.from(v, 'utf8'));
  }
  return out;
}

/** The files of a configMap or secret source: every key, or just `items` (key -> path, mode). */
function keyFiles(
  kind: 'ConfigMap' | 'Secret',
  name: string,
  obj: KubeObject | undefined,
  items: KeyToPath[] | undefined,
  optional: boolean | undefined,
  defaultMode: number,
  namespace: string,
): VolumeFile[] | string {
  if (!obj) return optional ? [] : `${kind === 'ConfigMap' ? 'configmap' : 'secret'} "${name}" not found`;
  const data = rawData(obj, kind);
  if (!items || items.length === 0) return [...data].map(([key, content]) => ({ path: key, content, mode: defaultMode }));
  const files: VolumeFile[] = [];
  for (const item of items) {
    const content = data.get(item.key);
    if (content === undefined) {
      if (optional) continue;
      return kind === 'ConfigMap'
        ? `configmap references non-existent config key: ${item.key} (${namespace}/${name})`
        : `references non-existent secret key: ${item.key} (${namespace}/${name})`;
    }
    const path = safeRelative(item.path);
    if (!path) return `invalid path "${item.path}" for key ${item.key}`;
    files.push({ path, content, mode: item.mode ?? defaultMode });
  }
  return files;
}

function downwardFiles(items: DownwardAPIVolumeFile[], defaultMode: number, ctx: EnvContext): VolumeFile[] | string {
  const files: VolumeFile[] = [];
  const self = podSpec(ctx.pod).containers[0] as Container | undefined;
  for (const item of items) {
    const path = safeRelative(item.path);
    if (!path) return `invalid path "${item.path}"`;
    let value: string | undefined;
    if (item.fieldRef) value = downwardField(item.fieldRef.fieldPath, ctx);
    else if (item.resourceFieldRef && self) value = resourceField(item.resourceFieldRef, self, ctx);
    if (value === undefined) return `unsupported downward API field in ${item.path}`;
    files.push({ path, content: Buffer.from(value), mode: item.mode ?? defaultMode });
  }
  return files;
}

function planVolume(v: Volume, ctx: EnvContext, objects: ReferencedObjects, namespace: string): VolumePlan | string {
  if (v.emptyDir) return { name: v.name, kind: 'emptyDir', ...(v.emptyDir.medium ? { medium: v.emptyDir.medium } : {}), ...(v.emptyDir.sizeLimit ? { sizeLimit: v.emptyDir.sizeLimit } : {}) };
  if (v.hostPath) return { name: v.name, kind: 'hostPath', path: v.hostPath.path, type: v.hostPath.type ?? '' };
  if (v.configMap) {
    const name = v.configMap.name ?? '';
    const files = keyFiles('ConfigMap', name, objects.configMaps.get(name), v.configMap.items, v.configMap.optional, v.configMap.defaultMode ?? DEFAULT_MODE, namespace);
    return typeof files === 'string' ? files : { name: v.name, kind: 'files', files };
  }
  if (v.secret) {
    const name = v.secret.secretName ?? '';
    const files = keyFiles('Secret', name, objects.secrets.get(name), v.secret.items, v.secret.optional, v.secret.defaultMode ?? DEFAULT_SECRET_FILE_MODE, namespace);
    return typeof files === 'string' ? files : { name: v.name, kind: 'files', files };
  }
  if (v.downwardAPI) {
    const files = downwardFiles(v.downwardAPI.items ?? [], v.downwardAPI.defaultMode ?? DEFAULT_MODE, ctx);
    return typeof files === 'string' ? files : { name: v.name, kind: 'files', files };
  }
  if (v.projected) {
    const mode = v.projected.defaultMode ?? DEFAULT_MODE;
    const all: VolumeFile[] = [];
    for (const s of v.projected.sources ?? []) {
      let files: VolumeFile[] | string = [];
      if (s.configMap) files = keyFiles('ConfigMap', s.configMap.name ?? '', objects.configMaps.get(s.configMap.name ?? ''), s.configMap.items, s.configMap.optional, mode, namespace);
      else if (s.secret) files = keyFiles('Secret', s.secret.name ?? '', objects.secrets.get(s.secret.name ?? ''), s.secret.items, s.secret.optional, mode, namespace);
      else if (s.downwardAPI) files = downwardFiles(s.downwardAPI.items ?? [], mode, ctx);
      else if (s.serviceAccountToken) files = tokenFile(s.serviceAccountToken, objects, mode);
      if (typeof files === 'string') return files;
      all.push(...files);
    }
    return { name: v.name, kind: 'files', files: all };
  }
  if (v.persistentVolumeClaim) {
    const resolved = claimVolume(namespace, v.persistentVolumeClaim.claimName, objects.claims?.get(v.persistentVolumeClaim.claimName) ?? {});
    if (!resolved.ok) return resolved.message;
    return { name: v.name, kind: 'persistentVolume', path: resolved.path, create: resolved.create, readOnly: !!v.persistentVolumeClaim.readOnly };
  }
  const source = Object.keys(v).find((k) => k !== 'name') ?? 'unknown';
  return `volume source ${source} is not supported by Skiff's process runtime`;
}

/** What every volume of the pod holds, or the first reason one cannot be set up. */
export function planVolumes(pod: KubeObject, ctx: EnvContext, objects: ReferencedObjects): VolumesResult {
  const namespace = pod.metadata.namespace ?? 'default';
  const volumes: VolumePlan[] = [];
  for (const v of podSpec(pod).volumes ?? []) {
    const plan = planVolume(v, ctx, objects, namespace);
    if (typeof plan === 'string') return { ok: false, message: `MountVolume.SetUp failed for volume "${v.name}" : ${plan}` };
    volumes.push(plan);
  }
  return { ok: true, volumes };
}

export interface MaterializeOptions {
  /**
   * The pod's fsGroup: volume files and directories are group-owned by it (directories setgid,
   * so new files are too) and group-readable, emptyDirs group-writable, as the kubelet does.
   */
  fsGroup?: number;
  /** Mount a tmpfs for `emptyDir.medium: Memory` (needs root; otherwise a plain directory). */
  mountTmpfs?: (dir: string, sizeLimit: string | undefined) => void;
}

/** Gives a volume tree to the pod's fsGroup (chown needs root; elsewhere it is left as it is). */
function applyFsGroup(path: string, gid: number): void {
  try {
    const st = statSync(path);
    chownSync(path, st.uid, gid);
    if (st.isDirectory()) {
      chmodSync(path, (st.mode & 0o7777) | 0o2070);
      for (const name of readdirSync(path)) applyFsGroup(join(path, name), gid);
    } else {
      chmodSync(path, (st.mode & 0o7777) | 0o040);
    }
  } catch {
    /* not root: the files keep the agent's owner */
  }
}

/** Writes the volumes under `<podDir>/volumes/<name>` and returns each volume's host directory (or file). */
export function materializeVolumes(podDir: string, plans: VolumePlan[], opts: MaterializeOptions = {}): Map<string, string> {
  const dirs = new Map<string, string>();
  for (const plan of plans) {
    if (plan.kind === 'hostPath') {
      if (plan.type === 'DirectoryOrCreate' && !existsSync(plan.path)) mkdirSync(plan.path, { recursive: true, mode: 0o755 });
      if (plan.type === 'FileOrCreate' && !existsSync(plan.path)) {
        mkdirSync(dirname(plan.path), { recursive: true });
        writeFileSync(plan.path, '');
      }
      if (!existsSync(plan.path)) throw new Error(`hostPath ${plan.path} does not exist`);
      if (plan.type === 'Directory' && !statSync(plan.path).isDirectory()) throw new Error(`hostPath type check failed: ${plan.path} is not a directory`);
      if (plan.type === 'File' && !statSync(plan.path).isFile()) throw new Error(`hostPath type check failed: ${plan.path} is not a file`);
      dirs.set(plan.name, plan.path);
      continue;
    }
    if (plan.kind === 'persistentVolume') {
      if (plan.create && !existsSync(plan.path)) {
        mkdirSync(plan.path, { recursive: true });
        // Whoever the pod runs as may write its volume, as with Rancher's local-path directories.
        chmodSync(plan.path, 0o777);
      }
      if (!existsSync(plan.path)) throw new Error(`path "${plan.path}" does not exist`);
      dirs.set(plan.name, plan.path);
      continue;
    }
    const dir = join(podDir, 'volumes', plan.name);
    if (plan.kind === 'files') {
      // Written in place: running containers have this directory bound, and a new directory at
      // the same path would not be the one they see. An emptyDir likewise keeps its content
      // across container restarts, as in Kubernetes.
      mkdirSync(dir, { recursive: true });
      for (const f of plan.files) {
        const file = join(dir, f.path);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, f.content);
        chmodSync(file, f.mode & 0o777);
      }
    } else {
      const fresh = !existsSync(dir);
      mkdirSync(dir, { recursive: true });
      if (fresh && plan.medium === 'Memory') opts.mountTmpfs?.(dir, plan.sizeLimit);
      // Anyone in the pod may write an emptyDir (the umask would take 0777 to 0755).
      chmodSync(dir, 0o777);
    }
    if (opts.fsGroup !== undefined) applyFsGroup(dir, opts.fsGroup);
    dirs.set(plan.name, dir);
  }
  return dirs;
}

/** Gives a tree to `uid`, each entry keeping its group. */
function chownTree(path: string, uid: number): void {
  const st = statSync(path);
  chownSync(path, uid, st.gid);
  if (st.isDirectory()) for (const name of readdirSync(path)) chownTree(join(path, name), uid);
}

/**
 * Gives the Secret, ConfigMap, downward API and projected volumes a container mounts to the
 * non-root user it runs as, so files only their owner may read (secret volumes default to 0400,
 * ADR 015) are that user's. The first such container of the pod gets a volume; the names of the
 * volumes already another user's are returned (that container reads them only as their mode or
 * the pod's fsGroup allows, as in Kubernetes). An agent that is not root gives nothing.
 */
export function giveVolumesTo(uid: number, c: Container, volumeDirs: Map<string, string>, plans: VolumePlan[]): string[] {
  const agent = process.getuid?.();
  if (uid === 0 || agent !== 0) return [];
  const taken: string[] = [];
  for (const m of c.volumeMounts ?? []) {
    const dir = volumeDirs.get(m.name);
    if (!dir || plans.find((p) => p.name === m.name)?.kind !== 'files') continue;
    const owner = statSync(dir).uid;
    if (owner === uid) continue;
    if (owner !== agent) taken.push(m.name);
    else chownTree(dir, uid);
  }
  return taken;
}

/** The container's mounts: volume directories (or their subPath) at its mount paths. */
export function containerMounts(c: Container, volumeDirs: Map<string, string>, plans: VolumePlan[]): Mount[] {
  const mounts: Mount[] = [];
  for (const m of c.volumeMounts ?? []) {
    const dir = volumeDirs.get(m.name);
    if (!dir) continue;
    const plan = plans.find((p) => p.name === m.name);
    let hostPath = dir;
    if (m.subPath) {
      const sub = safeRelative(m.subPath);
      if (!sub) continue;
      hostPath = join(dir, sub);
      if (!existsSync(hostPath)) mkdirSync(hostPath, { recursive: true });
    }
    // ConfigMap, Secret and downward API volumes are always mounted read-only, as in Kubernetes.
    const readOnly = !!m.readOnly || plan?.kind === 'files' || (plan?.kind === 'persistentVolume' && plan.readOnly);
    mounts.push({ hostPath, containerPath: normalize(m.mountPath).replace(/(.)\/+$/, '$1'), readOnly });
  }
  return mounts;
}
