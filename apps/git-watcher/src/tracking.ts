import { groupVersion, RESOURCE_TYPES, type KubeObject, type ResourceType } from '@skiff/apimachinery';
import { manifestName } from '@skiff/gitops';

/** On every object an Application manages: which Application (label, for listing). */
export const APP_LABEL = 'skiff.dev/application';
/** `<app namespace>/<app name>:<group>/<kind>:<namespace>/<name>`: who owns it, exactly (Argo CD's tracking id). */
export const TRACKING_ID = 'skiff.dev/tracking-id';
/** The commit the object was last applied from. */
export const REVISION = 'skiff.dev/revision';
/** A `skiff.dev/refresh` annotation on an Application asks for a fetch now (the git webhook sets it). */
export const REFRESH = 'skiff.dev/refresh';
export const FIELD_MANAGER = 'skiff-gitops';

export interface AppRef {
  namespace: string;
  name: string;
}

export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

/** For an object created from a `generateName` manifest, the name part is `<generateName>*`: every object that manifest made shares it. */
export function trackingId(app: AppRef, obj: KubeObject): string {
  return `${app.namespace}/${app.name}:${groupOf(obj.apiVersion)}/${obj.kind}:${obj.metadata.namespace ?? ''}/${manifestName(obj)}`;
}

/** A manifest with `generateName` and no name: each sync creates a new object from it. */
export function isGenerated(obj: KubeObject): boolean {
  return !obj.metadata.name && !!obj.metadata.generateName;
}

/** The Application an object belongs to, from its tracking id. */
export function appOf(obj: KubeObject): AppRef | undefined {
  const id = obj.metadata.annotations?.[TRACKING_ID];
  const m = id ? /^([^/]+)\/([^:]+):/.exec(id) : null;
  return m ? { namespace: m[1], name: m[2] } : undefined;
}

/** Whether `obj` is one this Application manages (label alone is not enough: names repeat across namespaces). */
export function isManagedBy(obj: KubeObject, app: AppRef): boolean {
  const owner = appOf(obj);
  return !!owner && owner.namespace === app.namespace && owner.name === app.name;
}

export function typeOf(obj: { apiVersion: string; kind: string }): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => groupVersion(t) === obj.apiVersion && t.kind === obj.kind);
}

/** `group/Kind namespace/name`, for messages and keys. */
export function objectKey(obj: KubeObject): string {
  const g = groupOf(obj.apiVersion);
  return `${g ? `${g}/` : ''}${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ''}${manifestName(obj)}`;
}
