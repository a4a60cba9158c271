import { controllerOf, nameKey, type ClusterState, type StatusObject } from './clusterState.js';

/**
 * Pure functions from the page's ClusterState to what it shows. No DOM here: render.ts turns
 * these views into HTML, and viewModel.test.ts checks them on plain objects.
 */

export const APP_LABEL = 'skiff.dev/application';
export const TRACKING_ID = 'skiff.dev/tracking-id';
const REVISION = 'deployment.kubernetes.io/revision';

/**
 * A count read from an object, as a number: objects reach the page as their writers stored them,
 * and a field the page prints as a number must never carry a string into the HTML.
 */
export function countOf(v: unknown): number {
  const n = typeof v === 'number' ? v : Number.NaN;
  return Number.isFinite(n) ? n : 0;
}

export function shortSha(revision: string | undefined): string {
  return revision ? revision.slice(0, 7) : '';
}

// ---- which Application an object belongs to -------------------------------------------------

/**
 * `<ns>/<name>` of the Application that manages `o`: its tracking id (`<app ns>/<app name>:...`),
 * else its `skiff.dev/application` label; ReplicaSets and Pods through their controller owners;
 * Endpoints through their Service.
 */
export function appKeyOf(o: StatusObject, state: ClusterState, depth = 0): string | undefined {
  if (o.kind === 'Application') return nameKey(o);
  const id = o.metadata.annotations?.[TRACKING_ID];
  const m = id ? /^([^/]+)\/([^:]+):/.exec(id) : null;
  if (m) return `${m[1]}/${m[2]}`;
  const label = o.metadata.labels?.[APP_LABEL];
  if (label) return label.includes('/') ? label : applicationNamed(label, o.metadata.namespace, state);
  if (depth > 3) return undefined;
  if (o.kind === 'Endpoints') {
    const svc = state.get('Service', o.metadata.namespace, o.metadata.name);
    return svc ? appKeyOf(svc, state, depth + 1) : undefined;
  }
  const owner = controllerOf(o);
  if (!owner) return undefined;
  const parent = state.get(owner.kind, o.metadata.namespace, owner.name);
  return parent ? appKeyOf(parent, state, depth + 1) : undefined;
}

/** A label names the Application but not its namespace: prefer one in the object's namespace. */
function applicationNamed(name: string, namespace: string | undefined, state: ClusterState): string | undefined {
  const apps = state.list('Application').filter((a) => a.metadata.name === name);
  const app = apps.find((a) => a.metadata.namespace === namespace) ?? apps[0];
  return app ? nameKey(app) : undefined;
}

// ---- Applications --------------------------------------------------------------------------

export interface HistoryEntry {
  id?: number;
  revision: string;
  shortRevision: string;
  message: string;
  author: string;
  deployedAt?: string;
  live: boolean;
  /** What the revision changed in git against the entry before it (a unified diff, secrets masked). */
  changes?: string;
}

export interface ApplicationView {
  key: string;
  namespace: string;
  name: string;
  repo: string;
  path: string;
  sync: string;
  health: string;
  healthMessage: string;
  revision: string;
  shortRevision: string;
  /** The commit that is live: the history entry of the synced revision. */
  commit?: HistoryEntry;
  /** Newest first. */
  history: HistoryEntry[];
  operation?: { phase: string; message: string };
}

export function applicationView(app: StatusObject, historyLimit = 10): ApplicationView {
  const status = app.status ?? {};
  const revision: string = status.sync?.revision ?? status.operationState?.revision ?? '';
  const raw: Array<Record<string, any>> = Array.isArray(status.history) ? status.history : [];
  const entries: HistoryEntry[] = raw.map((h) => ({
    id: h.id,
    revision: h.revision ?? '',
    shortRevision: shortSha(h.revision),
    message: firstLine(h.message ?? ''),
    author: h.author ?? '',
    deployedAt: h.deployedAt,
    live: false,
    ...(typeof h.changes === 'string' && h.changes ? { changes: h.changes } : {}),
  }));
  const liveIndex = revision ? findLastIndex(entries, (h) => h.revision === revision) : entries.length - 1;
  if (liveIndex >= 0) entries[liveIndex].live = true;
  return {
    key: nameKey(app),
    namespace: app.metadata.namespace ?? '',
    name: app.metadata.name,
    repo: app.spec?.source?.repoURL ?? '',
    path: app.spec?.source?.path ?? '',
    sync: status.sync?.status ?? 'Unknown',
    health: status.health?.status ?? 'Unknown',
    healthMessage: status.health?.message ?? '',
    revision,
    shortRevision: shortSha(revision),
    commit: liveIndex >= 0 ? entries[liveIndex] : undefined,
    history: entries.slice(-historyLimit).reverse(),
    operation: status.operationState ? { phase: status.operationState.phase ?? '', message: status.operationState.message ?? '' } : undefined,
  };
}

function firstLine(s: string): string {
  return s.split('\n')[0].trim();
}

function findLastIndex<T>(xs: T[], pred: (x: T) => boolean): number {
  for (let i = xs.length - 1; i >= 0; i--) if (pred(xs[i])) return i;
  return -1;
}

// ---- rollouts ------------------------------------------------------------------------------

export interface RolloutProgress {
  desired: number;
  /** Pods of the new ReplicaSet: wanted by it now, and ready. */
  newReplicas: number;
  newReady: number;
  /** Pods of all older ReplicaSets still running (or wanted), and ready. */
  oldReplicas: number;
  oldReady: number;
  inProgress: boolean;
  /** 0..100: ready pods of the new ReplicaSet, of the desired count. */
  percent: number;
  revision: string;
}

function revisionOf(o: StatusObject): number {
  return Number(o.metadata.annotations?.[REVISION] ?? 0);
}

/**
 * The ReplicaSet of the Deployment's current template: the one with the highest revision. (The
 * Deployment's own revision annotation lags while the controller scales: it may still name the
 * old ReplicaSet when the new one already exists; a rollback gives the old one a new, highest
 * revision, so the highest is right either way.)
 */
export function newReplicaSet(_deployment: StatusObject, replicaSets: StatusObject[]): StatusObject | undefined {
  let best: StatusObject | undefined;
  for (const rs of replicaSets) if (!best || revisionOf(rs) > revisionOf(best)) best = rs;
  return best;
}

/**
 * How far a rolling update has come. Example: 4 desired, maxSurge 1: midway the new ReplicaSet
 * wants 3 with 2 ready, the old one still runs 2 (both ready): 2 new ready of 4 desired, 2 old
 * left -> in progress, 50 %. Done when the new ReplicaSet has all desired pods ready and no old
 * pods remain (and the controller has seen the latest spec).
 */
export function rolloutProgress(deployment: StatusObject, replicaSets: StatusObject[]): RolloutProgress {
  const desired = deployment.spec?.replicas === undefined ? 1 : countOf(deployment.spec.replicas);
  const fresh = newReplicaSet(deployment, replicaSets);
  let oldReplicas = 0;
  let oldReady = 0;
  for (const rs of replicaSets) {
    if (rs === fresh) continue;
    oldReplicas += Math.max(countOf(rs.spec?.replicas), countOf(rs.status?.replicas));
    oldReady += countOf(rs.status?.readyReplicas);
  }
  const newReplicas = fresh ? Math.max(countOf(fresh.spec?.replicas), countOf(fresh.status?.replicas)) : 0;
  const newReady = countOf(fresh?.status?.readyReplicas);
  const observed = (deployment.status?.observedGeneration ?? 0) >= (deployment.metadata.generation ?? 0);
  const inProgress = !observed || newReady < desired || newReplicas !== desired || oldReplicas > 0;
  const percent = desired === 0 ? 100 : Math.round((100 * Math.min(newReady, desired)) / desired);
  return { desired, newReplicas, newReady, oldReplicas, oldReady, inProgress, percent, revision: fresh?.metadata.annotations?.[REVISION] ?? '' };
}

// ---- the resource tree of one Application ----------------------------------------------------

export interface PodView {
  name: string;
  phase: string;
  ready: string;
  isReady: boolean;
  restarts: number;
  node: string;
  ip: string;
}

export interface ReplicaSetView {
  name: string;
  revision: string;
  isNew: boolean;
  desired: number;
  ready: number;
  podCount: number;
  /** Pods by shown phase, e.g. { Running: 998, Pending: 2 }. */
  phases: Record<string, number>;
  /** The first `podLimit` pods (not-ready first); the rest are only counted. */
  pods: PodView[];
  hiddenPods: number;
}

export interface DeploymentView {
  name: string;
  namespace: string;
  images: string[];
  rollout: RolloutProgress;
  replicaSets: ReplicaSetView[];
  /** Old ReplicaSets scaled to zero with no pods left, only counted. */
  idleReplicaSets: number;
}

export interface ServiceView {
  name: string;
  namespace: string;
  type: string;
  clusterIP: string;
  ports: string;
  readyEndpoints: number;
  notReadyEndpoints: number;
}

export interface ResourceTree {
  deployments: DeploymentView[];
  services: ServiceView[];
  configMaps: Array<{ name: string; namespace: string }>;
  /** Everything else the Application manages (StatefulSets, Jobs, Ingresses, custom resources...), from its status. */
  others: Array<{ kind: string; name: string; namespace: string; sync: string; health: string }>;
}

/** Kinds the tree draws itself, from the objects (with their ReplicaSets, pods and endpoints). */
const DRAWN_KINDS = new Set(['Deployment', 'Service', 'ConfigMap']);

/** Per state: the objects of a kind by the Application they belong to, derived once per change of the state, not once per Application. */
const byApplication = new WeakMap<ClusterState, { version: number; kinds: Map<string, Map<string, StatusObject[]>> }>();

function objectsOfApplication(state: ClusterState, kind: string, appKey: string): StatusObject[] {
  let cached = byApplication.get(state);
  if (!cached || cached.version !== state.version) byApplication.set(state, (cached = { version: state.version, kinds: new Map() }));
  let index = cached.kinds.get(kind);
  if (!index) {
    index = new Map();
    for (const o of state.list(kind)) {
      const key = appKeyOf(o, state);
      if (!key) continue;
      const list = index.get(key);
      if (list) list.push(o);
      else index.set(key, [o]);
    }
    cached.kinds.set(kind, index);
  }
  return index.get(appKey) ?? [];
}

export function resourceTree(appKey: string, state: ClusterState, podLimit = 12): ResourceTree {
  const mine = (kind: string) => [...objectsOfApplication(state, kind, appKey)].sort(byName);
  const deployments = mine('Deployment').map((d) => deploymentView(d, state, podLimit));
  const services = mine('Service').map((s) => serviceView(s, state.get('Endpoints', s.metadata.namespace, s.metadata.name)));
  const configMaps = mine('ConfigMap').map((c) => ({ name: c.metadata.name, namespace: c.metadata.namespace ?? '' }));
  // Any other kind, as the Application's status lists it: the page needs no code per kind.
  const [appNamespace, appName] = appKey.split('/');
  const resources: Array<Record<string, any>> = state.get('Application', appNamespace, appName)?.status?.resources ?? [];
  const others = resources
    .filter((r) => !DRAWN_KINDS.has(r.kind) || r.group !== (r.kind === 'Deployment' ? 'apps' : ''))
    .map((r) => ({ kind: String(r.kind ?? ''), name: String(r.name ?? ''), namespace: String(r.namespace ?? ''), sync: String(r.status ?? ''), health: String(r.health?.status ?? '') }))
    .sort((a, b) => a.kind.localeCompare(b.kind) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
  return { deployments, services, configMaps, others };
}

function byName(a: StatusObject, b: StatusObject): number {
  return nameKey(a) < nameKey(b) ? -1 : nameKey(a) > nameKey(b) ? 1 : 0;
}

export function deploymentView(d: StatusObject, state: ClusterState, podLimit = 12): DeploymentView {
  const replicaSets = state.ownedBy(d, 'ReplicaSet');
  const rollout = rolloutProgress(d, replicaSets);
  const fresh = newReplicaSet(d, replicaSets);
  const views: ReplicaSetView[] = [];
  let idle = 0;
  for (const rs of [...replicaSets].sort((a, b) => revisionOf(b) - revisionOf(a))) {
    const pods = state.ownedBy(rs, 'Pod');
    const wanted = rs.spec?.replicas ?? 0;
    if (rs !== fresh && wanted === 0 && pods.length === 0) {
      idle++;
      continue;
    }
    views.push(replicaSetView(rs, pods, rs === fresh, podLimit));
  }
  const containers: Array<{ image?: string }> = d.spec?.template?.spec?.containers ?? [];
  return { name: d.metadata.name, namespace: d.metadata.namespace ?? '', images: containers.map((c) => c.image ?? ''), rollout, replicaSets: views, idleReplicaSets: idle };
}

export function replicaSetView(rs: StatusObject, pods: StatusObject[], isNew: boolean, podLimit = 12): ReplicaSetView {
  const views = pods.map(podView).sort((a, b) => Number(a.isReady) - Number(b.isReady) || (a.name < b.name ? -1 : 1));
  const phases: Record<string, number> = {};
  for (const p of views) phases[p.phase] = (phases[p.phase] ?? 0) + 1;
  return {
    name: rs.metadata.name,
    revision: rs.metadata.annotations?.[REVISION] ?? '',
    isNew,
    desired: countOf(rs.spec?.replicas),
    ready: countOf(rs.status?.readyReplicas),
    podCount: views.length,
    phases,
    pods: views.slice(0, podLimit),
    hiddenPods: Math.max(0, views.length - podLimit),
  };
}

export function podView(p: StatusObject): PodView {
  const statuses: Array<Record<string, any>> = p.status?.containerStatuses ?? [];
  const containers = (p.spec?.containers ?? []).length || statuses.length;
  const readyCount = statuses.filter((c) => c.ready).length;
  const waiting = statuses.map((c) => c.state?.waiting?.reason).find((r) => r && r !== 'ContainerCreating');
  const readyCond = (p.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Ready');
  const phase = p.metadata.deletionTimestamp ? 'Terminating' : (waiting ?? p.status?.phase ?? 'Pending');
  return {
    name: p.metadata.name,
    phase,
    ready: `${readyCount}/${containers}`,
    isReady: readyCond ? readyCond.status === 'True' : containers > 0 && readyCount === containers,
    restarts: statuses.reduce((n, c) => n + countOf(c.restartCount), 0),
    node: p.spec?.nodeName ?? '',
    ip: p.status?.podIP ?? '',
  };
}

export function serviceView(s: StatusObject, endpoints: StatusObject | undefined): ServiceView {
  let ready = 0;
  let notReady = 0;
  for (const subset of (endpoints?.subsets ?? []) as Array<{ addresses?: unknown[]; notReadyAddresses?: unknown[] }>) {
    ready += subset.addresses?.length ?? 0;
    notReady += subset.notReadyAddresses?.length ?? 0;
  }
  const ports: Array<Record<string, any>> = s.spec?.ports ?? [];
  return {
    name: s.metadata.name,
    namespace: s.metadata.namespace ?? '',
    type: s.spec?.type ?? 'ClusterIP',
    clusterIP: s.spec?.clusterIP ?? '',
    ports: ports.map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ''}/${p.protocol ?? 'TCP'}`).join(', '),
    readyEndpoints: ready,
    notReadyEndpoints: notReady,
  };
}

// ---- nodes ---------------------------------------------------------------------------------

/** Kubernetes quantities: cpu to millicores ("250m" -> 250, "2" -> 2000). */
export function parseCpu(q: string | number | undefined): number {
  if (q === undefined || q === '') return 0;
  const s = String(q);
  if (s.endsWith('m')) return Number(s.slice(0, -1)) || 0;
  return Math.round((Number(s) || 0) * 1000);
}

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { k: 1e3, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, m: 1e-3 };

/** Kubernetes quantities: memory to bytes ("64Mi" -> 67108864, "1G" -> 1e9, "1e3" -> 1000). */
export function parseBytes(q: string | number | undefined): number {
  if (q === undefined || q === '') return 0;
  const m = /^([0-9.]+(?:e[0-9]+)?)([a-zA-Z]{0,2})$/.exec(String(q).trim());
  if (!m) return 0;
  const n = Number(m[1]);
  const unit = m[2];
  return Math.round(n * (BINARY[unit] ?? DECIMAL[unit] ?? 1));
}

export interface NodeView {
  name: string;
  ready: string;
  unschedulable: boolean;
  cpu: { requested: number; allocatable: number };
  memory: { requested: number; allocatable: number };
  pods: number;
  podCapacity: number;
  /** nodeInfo.containerRuntimeVersion: `containerd://1.6.20`, `process://bubblewrap`. */
  runtime: string;
}

/** Pods that hold their node's resources: bound and not finished. */
function holdsResources(p: StatusObject): boolean {
  const phase = p.status?.phase;
  return !!p.spec?.nodeName && phase !== 'Succeeded' && phase !== 'Failed';
}

export function podsByNode(pods: Iterable<StatusObject>): Map<string, StatusObject[]> {
  const out = new Map<string, StatusObject[]>();
  for (const p of pods) {
    if (!holdsResources(p)) continue;
    const node = p.spec.nodeName as string;
    let list = out.get(node);
    if (!list) out.set(node, (list = []));
    list.push(p);
  }
  return out;
}

/** A node's capacity next to what its pods request (sum of every container's requests). */
export function nodeView(node: StatusObject, pods: StatusObject[]): NodeView {
  let cpu = 0;
  let memory = 0;
  let count = 0;
  for (const p of pods) {
    if (!holdsResources(p)) continue;
    count++;
    for (const c of (p.spec?.containers ?? []) as Array<{ resources?: { requests?: Record<string, string> } }>) {
      cpu += parseCpu(c.resources?.requests?.cpu);
      memory += parseBytes(c.resources?.requests?.memory);
    }
  }
  const alloc = node.status?.allocatable ?? node.status?.capacity ?? {};
  const ready = (node.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Ready')?.status;
  return {
    name: node.metadata.name,
    ready: ready === 'True' ? 'Ready' : ready === 'False' ? 'NotReady' : 'Unknown',
    unschedulable: !!node.spec?.unschedulable,
    cpu: { requested: cpu, allocatable: parseCpu(alloc.cpu) },
    memory: { requested: memory, allocatable: parseBytes(alloc.memory) },
    pods: count,
    podCapacity: countOf(Number(alloc.pods ?? 0)),
    runtime: String(node.status?.nodeInfo?.containerRuntimeVersion ?? ''),
  };
}

// ---- events and webhooks --------------------------------------------------------------------

export interface EventView {
  key: string;
  type: string;
  reason: string;
  message: string;
  object: string;
  count: number;
  time: string;
}

function eventTime(e: StatusObject): string {
  return (e.lastTimestamp as string) ?? (e.eventTime as string) ?? (e.firstTimestamp as string) ?? e.metadata.creationTimestamp ?? '';
}

/** Warnings first, then newest first; at most `limit`. */
export function eventsView(events: StatusObject[], limit = 100): EventView[] {
  return events
    .map((e) => {
      const io = (e.involvedObject ?? e.regarding ?? {}) as { kind?: string; name?: string; namespace?: string };
      return {
        key: nameKey(e),
        type: (e.type as string) ?? 'Normal',
        reason: (e.reason as string) ?? '',
        message: (e.message as string) ?? (e.note as string) ?? '',
        object: `${io.kind ?? ''}/${io.name ?? ''}`,
        count: e.count === undefined ? 1 : countOf(e.count),
        time: eventTime(e),
      };
    })
    .sort((a, b) => Number(b.type === 'Warning') - Number(a.type === 'Warning') || (a.time < b.time ? 1 : a.time > b.time ? -1 : 0))
    .slice(0, limit);
}

export interface DeliveryView {
  time: string;
  event: string;
  ok: boolean;
  result: string;
}

export interface WebhookView {
  key: string;
  name: string;
  url: string;
  failures: number;
  last?: DeliveryView;
  recent: DeliveryView[];
}

function deliveryView(d: Record<string, any>): DeliveryView {
  const code = d.statusCode as number | undefined;
  const ok = !d.error && code !== undefined && code >= 200 && code < 300;
  return { time: d.time ?? d.at ?? d.deliveredAt ?? '', event: d.event ?? '', ok, result: d.error ? String(d.error) : code !== undefined ? `HTTP ${code}` : '' };
}

export function webhookView(w: StatusObject): WebhookView {
  const recent: Array<Record<string, any>> = Array.isArray(w.status?.recentDeliveries) ? w.status.recentDeliveries : [];
  return {
    key: nameKey(w),
    name: w.metadata.name,
    url: w.spec?.url ?? '',
    failures: countOf(w.status?.failures),
    last: w.status?.lastDelivery ? deliveryView(w.status.lastDelivery) : undefined,
    recent: recent.map(deliveryView).reverse().slice(0, 10),
  };
}

// ---- formatting ------------------------------------------------------------------------------

export function formatCpu(milli: number): string {
  return milli >= 1000 ? `${(milli / 1000).toFixed(milli % 1000 ? 1 : 0)}` : `${milli}m`;
}

export function formatBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(1)}Gi`;
  if (n >= 2 ** 20) return `${Math.round(n / 2 ** 20)}Mi`;
  if (n >= 2 ** 10) return `${Math.round(n / 2 ** 10)}Ki`;
  return `${n}`;
}

/** "5s", "3m", "2h", "4d" since `iso` (empty when unknown). */
export function age(iso: string | undefined, now: number): string {
  if (!iso) return '';
  const s = Math.max(0, Math.floor((now - Date.parse(iso)) / 1000));
  if (Number.isNaN(s)) return '';
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}
