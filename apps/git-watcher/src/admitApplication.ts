import { AlreadyExistsError, DEFAULT_PROJECT, NotFoundError, type KubeObject } from '@skiff/apimachinery';
import type { ReconcileContext } from '@skiff/controller-runtime';
import type { ApplicationFace } from './applicationFace.js';
import { defaultProject, projectAllowsKind, projectRefusal, type AppProjectSpec } from './appProject.js';
import type { DesiredError, DesiredObject } from './desiredObjects.js';
import type { SyncSpec } from './manifestsOfSources.js';
import { APP_PROJECTS } from './resources.js';
import { groupOf } from './tracking.js';

export interface ProjectRules {
  name: string;
  spec: AppProjectSpec;
}

export type Admission = { ok: true; spec: SyncSpec; project?: ProjectRules } | { ok: false; message: string };

/**
 * Whether an Application may be synced at all, before anything is read from git: its face's spec
 * is one Skiff can sync (the local cluster, one source), and its AppProject (looked up in the
 * Application's namespace) admits its repository and destination. A refusal is an
 * InvalidSpecError condition; nothing is applied.
 */
export async function admitApplication(ctx: ReconcileContext, face: ApplicationFace, app: KubeObject): Promise<Admission> {
  const read = face.specOf(app);
  if (!read.ok) return read;
  if (!read.project) return { ok: true, spec: read.spec };
  const namespace = app.metadata.namespace!;
  const project = await loadProject(ctx, namespace, read.project);
  if (!project) return { ok: false, message: `AppProject ${read.project} not found in namespace ${namespace}` };
  const refusal = projectRefusal(project, { repoURL: read.spec.source.repoURL, server: read.server ?? 'https://kubernetes.default.svc', namespace: read.spec.destination.namespace });
  return refusal ? { ok: false, message: refusal } : { ok: true, spec: read.spec, project };
}

/**
 * The project's rules. The `default` project is created, allowing everything, the first time an
 * Application in a namespace names it and it is missing (Argo CD creates it at install).
 */
async function loadProject(ctx: ReconcileContext, namespace: string, name: string): Promise<ProjectRules | undefined> {
  try {
    const p = await ctx.client.get(APP_PROJECTS, namespace, name);
    return { name, spec: (p.spec ?? {}) as AppProjectSpec };
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
  if (name !== DEFAULT_PROJECT) return undefined;
  const created = defaultProject(namespace);
  await ctx.client.create(APP_PROJECTS, created).catch((err) => {
    if (!(err instanceof AlreadyExistsError)) throw err;
  });
  ctx.log.info({ project: `${namespace}/${name}` }, 'created the default AppProject');
  return { name, spec: created.spec };
}

/** The objects of a revision the project does not allow, as sync errors naming file and line. */
export function forbiddenObjects(project: ProjectRules, objects: readonly DesiredObject[]): DesiredError[] {
  return objects
    .filter((d) => !projectAllowsKind(project.spec, groupOf(d.object.apiVersion), d.object.kind, d.type.namespaced))
    .map((d) => ({
      file: d.file,
      line: d.line,
      message: `${d.type.namespaced ? '' : 'cluster-scoped '}resource ${groupOf(d.object.apiVersion) || 'core'}:${d.object.kind} ${d.object.metadata.name ?? ''} is not permitted in project '${project.name}'`,
    }));
}

/** The Applications (of one face) in a project's namespace that belong to it. */
export function applicationsOfProject(project: KubeObject, apps: readonly KubeObject[], face: ApplicationFace): { namespace: string; name: string }[] {
  const projectOf = (a: KubeObject) => {
    const read = face.specOf(a);
    return read.ok ? read.project : undefined;
  };
  return apps
    .filter((a) => a.metadata.namespace === project.metadata.namespace && projectOf(a) === project.metadata.name)
    .map((a) => ({ namespace: a.metadata.namespace!, name: a.metadata.name! }));
}
