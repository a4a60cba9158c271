import { IN_CLUSTER_NAME, IN_CLUSTER_SERVER, DEFAULT_PROJECT, type KubeObject, type ResourceType } from '@skiff/apimachinery';
import type { ApplicationSpec, ApplicationStatus, HistoryEntry } from './applicationSpec.js';
import type { SyncSpec } from './manifestsOfSources.js';
import { APPLICATIONS, ARGO_APPLICATIONS } from './resources.js';
import { ARGO_FACE, type AppRef } from './tracking.js';

/**
 * One Application controller, two API faces: Skiff's `skiff.dev/v1alpha1` Application and Argo
 * CD's `argoproj.io/v1alpha1` one. A face says which kind the controller reconciles and reads that
 * kind's spec as the one shape the controller syncs; the rest (sync, prune, self-heal, health,
 * status) is the same code.
 */
export interface ApplicationFace {
  /** The controller's name on the shared runner (metrics, logs, enqueue). */
  controllerName: string;
  type: ResourceType;
  apiVersion: string;
  face?: AppRef['face'];
  /** The spec as the controller syncs it, or why it cannot be synced (an InvalidSpecError condition). */
  specOf(app: KubeObject): FaceSpec;
  /** Adds the face's own status fields, derived from the status the controller computed (in place). */
  decorateStatus?(status: ApplicationStatus, app: KubeObject): void;
}

export type FaceSpec = { ok: true; spec: SyncSpec; project?: string; server?: string } | { ok: false; message: string };

export const SKIFF_FACE: ApplicationFace = {
  controllerName: 'application',
  type: APPLICATIONS,
  apiVersion: 'skiff.dev/v1alpha1',
  specOf: (app) => {
    const spec = (app.spec ?? {}) as ApplicationSpec;
    // No project: allowed everything, as before projects existed.
    return { ok: true, spec, ...(spec.project ? { project: spec.project } : {}) };
  },
};

interface ArgoSource {
  repoURL: string;
  targetRevision?: string;
  path?: string;
  chart?: string;
  ref?: string;
  [field: string]: unknown;
}

interface ArgoApplicationSpec {
  project?: string;
  source?: ArgoSource;
  sources?: ArgoSource[];
  destination: { server?: string; name?: string; namespace?: string };
  syncPolicy?: ApplicationSpec['syncPolicy'];
}

export const ARGO_FACE_DEF: ApplicationFace = {
  controllerName: 'argo-application',
  type: ARGO_APPLICATIONS,
  apiVersion: 'argoproj.io/v1alpha1',
  face: ARGO_FACE,
  specOf: (app) => argoSpecAsSkiff((app.spec ?? {}) as ArgoApplicationSpec),
  decorateStatus: (status, app) => decorateArgoStatus(status, (app.spec ?? {}) as ArgoApplicationSpec),
};

/**
 * The fields of Argo CD's status that Skiff's lacks, from what it has: what the sync compared
 * with (`sync.comparedTo`), the revision and source of the last operation
 * (`operationState.syncResult`), and each history entry's source.
 */
export function decorateArgoStatus(status: ApplicationStatus, spec: ArgoApplicationSpec): void {
  const source = spec.source ?? spec.sources?.[0];
  if (!source) return;
  const extra = status as Omit<ApplicationStatus, 'history'> & {
    sync?: { comparedTo?: unknown };
    operationState?: { syncResult?: Record<string, unknown> };
    history?: (HistoryEntry & { source?: unknown })[];
  };
  if (extra.sync) extra.sync = { ...extra.sync, comparedTo: { source, destination: spec.destination } };
  // Only beside an operation's own progress (the resources a sync in steps keeps there): an
  // operationState without syncResult is a revision refused before its sync started, and must stay so.
  const op = extra.operationState;
  if (op?.syncResult) extra.operationState = { ...op, syncResult: { ...op.syncResult, source } };
  if (extra.history) extra.history = extra.history.map((h) => (h.source ? h : { ...h, source }));
}

/**
 * Argo CD's Application spec as the spec the controller syncs. Skiff deploys to the cluster it
 * runs in only and reads manifests from git (no Helm repository charts). A `sources` list is
 * synced as one set of objects when its entries are directories of one repository at one
 * revision (one commit, so one sync revision); sources from several repositories or revisions,
 * and `ref` entries (values files for another source), are refused with a condition rather than
 * half-applied.
 */
export function argoSpecAsSkiff(spec: ArgoApplicationSpec): FaceSpec {
  const dest = spec.destination ?? {};
  if (dest.server && dest.server !== IN_CLUSTER_SERVER) return { ok: false, message: `spec.destination.server: Skiff deploys only to the cluster it runs in (${IN_CLUSTER_SERVER}), not ${dest.server}` };
  if (dest.name && dest.name !== IN_CLUSTER_NAME) return { ok: false, message: `spec.destination.name: Skiff deploys only to the cluster it runs in (${IN_CLUSTER_NAME}), not ${dest.name}` };
  const sources = spec.sources ?? (spec.source ? [spec.source] : []);
  if (sources.some((s) => s.ref)) return { ok: false, message: 'spec.sources: ref sources (values files from another source) are not supported by Skiff yet' };
  if (!sources.length) return { ok: false, message: 'spec.source: required' };
  if (sources.some((s) => s.chart)) return { ok: false, message: `spec.source.chart: Helm repository charts are not supported by Skiff; put the chart in git and name its directory in spec.source.path` };
  const normalized = sources.map((s) => ({ ...s, path: s.path || '.', targetRevision: s.targetRevision || 'HEAD' }));
  const [source, ...more] = normalized;
  if (more.some((s) => s.repoURL !== source.repoURL || s.targetRevision !== source.targetRevision)) {
    return { ok: false, message: 'spec.sources: Skiff syncs several sources only from one repository at one targetRevision' };
  }
  return {
    ok: true,
    spec: {
      source,
      ...(more.length ? { additionalSources: more } : {}),
      // No namespace: namespaced objects without one go where kubectl in the cluster puts them.
      destination: { namespace: dest.namespace || 'default' },
      ...(spec.syncPolicy ? { syncPolicy: spec.syncPolicy } : {}),
    },
    project: spec.project || DEFAULT_PROJECT,
    server: dest.server || IN_CLUSTER_SERVER,
  };
}

export const APPLICATION_FACES: readonly ApplicationFace[] = [SKIFF_FACE, ARGO_FACE_DEF];

/** The face an Application reference belongs to. */
export function faceOf(ref: { face?: AppRef['face'] }): ApplicationFace {
  return ref.face === ARGO_FACE ? ARGO_FACE_DEF : SKIFF_FACE;
}

/** The face of a stored Application object, by its apiVersion. */
export function faceOfObject(app: KubeObject): ApplicationFace {
  return APPLICATION_FACES.find((f) => f.apiVersion === app.apiVersion) ?? SKIFF_FACE;
}
