/**
 * The vocabulary of the argoproj.io/v1alpha1 kinds Skiff serves built in (Argo CD's Application,
 * AppProject and ApplicationSet), shared by validation, defaulting and the git watcher.
 */

export const ARGOPROJ_GROUP = 'argoproj.io';

/** The only cluster Skiff deploys to, as Argo CD names the cluster it runs in. */
export const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';
export const IN_CLUSTER_NAME = 'in-cluster';

/** With this finalizer, deleting an Application first deletes the objects it manages (a cascade). */
export const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';

/** What an ApplicationSet may do to the Applications it generates (`spec.syncPolicy.applicationsSync`). */
export const APPLICATION_SET_POLICIES = ['create-only', 'create-update', 'create-delete', 'sync'] as const;
export type ApplicationSetPolicy = (typeof APPLICATION_SET_POLICIES)[number];

/** The project every Application names when it names none; it allows everything. */
export const DEFAULT_PROJECT = 'default';
