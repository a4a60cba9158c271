import { groupVersion, RESOURCE_TYPES, type KubeObject, type ResourceType } from '@skiff/apimachinery';
import { manifestName } from '@skiff/gitops';

/** On every object an Application manages: which Application (label, for listing). */
export const APP_LABEL = 'skiff.dev/application';
/**
 * `<app namespace>/<app name>:<group>/<kind>:<namespace>/<name>`: who owns it, exactly (Argo CD's
 * tracking id); an argoproj.io Application's starts with `argoproj.io:` (a namespace cannot hold
 * a dot or a colon, so neither form reads as the other).
 */
export const TRACKING_ID = 'skiff.dev/tracking-id';
/** The commit the object was last applied from. */
export const REVISION = 'skiff.dev/revision';
/** A `skiff.dev/refresh` annotation on an Application asks for a fetch now (the git webhook sets it). */
export const REFRESH = 'skiff.dev/refresh';
export const FIELD_MANAGER = 'skiff-gitops';

/**
 * An Application, by key and face: `argoproj.io` for Argo CD's Application, absent for Skiff's
 * own. The two faces are separate objects, so an `argoproj.io` Application and a `skiff.dev` one
 * of the same name never manage (or prune) each other's objects.
 */
export interface AppRef {
  namespace: string;
  name: string;
  face?: typeof ARGO_FACE;
}

export const ARGO_FACE = 'argoproj.io';

export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

/** For an object created from a `generateName` manifest, the name part is `<generateName>*`: every object that manifest made shares it. */
export function trackingId(app: AppRef, obj: KubeObject): string {
  return `${app.face ? `${app.face}:` : ''}${app.namespace}/${app.name}:${groupOf(obj.apiVersion)}/${obj.kind}:${obj.metadata.namespace ?? ''}/${manifestName(obj)}`;
}

/** A manifest with `generateName` and no name: each sync creates a new object from it. */
export function isGenerated(obj: KubeObject): boolean {
  return !obj.metadata.name && !!obj.metadata.generateName;
}

/** The Application an object belongs to, from its tracking id. */
export function appOf(obj: KubeObject): AppRef | undefined {
  const id = obj.metadata.annotations?.[TRACKING_ID];
  const m = id ? /^(?:(argoproj\.io):)?([^/:]+)\/([^:]+):/.exec(id) : null;
  if (!m) return undefined;
  return m[1] ? { namespace: m[2], name: m[3], face: ARGO_FACE } : { namespace: m[2], name: m[3] };
}

/** The git watcher's informer index of live objects by the Application tracking them (see `applicationIndexKey`). */
export const APPLICATION_INDEX = 'skiff.dev/application';

/** An Application's key in APPLICATION_INDEX: `face:namespace/name`. */
export function applicationIndexKey(app: AppRef): string {
  return `${app.face ?? ''}:${app.namespace}/${app.name}`;
}

/** APPLICATION_INDEX: the Application whose tracking id the object carries. */
export function applicationIndex(obj: KubeObject): string[] {
  const app = appOf(obj);
  return app ? [applicationIndexKey(app)] : [];
}

/** Whether `obj` is one this Application manages (label alone is not enough: names repeat across namespaces). */
export function isManagedBy(obj: KubeObject, app: AppRef): boolean {
  const owner = appOf(obj);
  return !!owner && owner.namespace === app.namespace && owner.name === app.name && owner.face === app.face;
}

export function typeOf(obj: { apiVersion: string; kind: string }): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => groupVersion(t) === obj.apiVersion && t.kind === obj.kind);
}

/** `group/Kind namespace/name`, for messages and keys. */
export function objectKey(obj: KubeObject): string {
  const g = groupOf(obj.apiVersion);
  return `${g ? `${g}/` : ''}${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${manifestName(obj)}`;
}
