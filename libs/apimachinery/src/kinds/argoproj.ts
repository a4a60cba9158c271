import { DEFAULT_PROJECT, RESOURCES_FINALIZER } from '../argoproj.js';
import { resourceType } from '../resources.js';
import { argoApplicationPrinter, nameAgePrinter } from '../tables/argoproj.js';
import type { KubeObject } from '../types.js';
import { validateAppProject, validateApplicationSet, validateArgoApplication } from '../validation/argoproj.js';
import { isObject } from '../validation/values.js';
import { fixedOpenApi } from './openapi/openApiSchemas.js';
import { ARGOPROJ_SCHEMAS } from './openapi/argoprojSchemas.js';
import type { Kind } from './kind.js';
import { CONDITIONS } from './podSpecLists.js';

// Argo CD's kinds (argoproj.io/v1alpha1), served built in so a repository written for Argo CD
// applies without installing its CRDs. A CRD for argoproj.io is accepted and ignored: built-in
// kinds win (KindRegistry), so a repository that ships Argo CD's CRDs still syncs.

const openApi = (name: string) => fixedOpenApi(name, { [name]: ARGOPROJ_SCHEMAS[name] });

export const ARGO_APPLICATION: Kind = {
  // `app` stays with skiff.dev Applications (their group comes first in discovery, and kubectl
  // warns about a short name two resources share): `kubectl get apps` or `applications.argoproj.io`.
  ...resourceType('argoproj.io', 'v1alpha1', 'applications', 'Application', true, { shortNames: ['apps'], subresources: ['status'] }),
  openApi: openApi('io.argoproj.v1alpha1.Application'),
  defaults: defaultArgoApplication,
  validate: validateArgoApplication,
  printer: argoApplicationPrinter,
  lists: { ...CONDITIONS },
  // Argo CD's CRD objects take unqualified finalizers (kube-apiserver only warns for custom resources).
  finalizerNames: [RESOURCES_FINALIZER, 'post-delete-finalizer.argocd.argoproj.io'],
};

export const APP_PROJECT: Kind = {
  ...resourceType('argoproj.io', 'v1alpha1', 'appprojects', 'AppProject', true, { shortNames: ['appproj', 'appprojs'] }),
  openApi: openApi('io.argoproj.v1alpha1.AppProject'),
  validate: validateAppProject,
  printer: nameAgePrinter,
};

export const APPLICATION_SET: Kind = {
  ...resourceType('argoproj.io', 'v1alpha1', 'applicationsets', 'ApplicationSet', true, { shortNames: ['appset', 'appsets'], subresources: ['status'] }),
  openApi: openApi('io.argoproj.v1alpha1.ApplicationSet'),
  validate: validateApplicationSet,
  printer: nameAgePrinter,
  lists: { ...CONDITIONS },
};

function defaultArgoApplication(app: KubeObject): void {
  if (!isObject(app.spec)) return;
  if (app.spec.project === undefined || app.spec.project === null || app.spec.project === '') app.spec.project = DEFAULT_PROJECT;
}
