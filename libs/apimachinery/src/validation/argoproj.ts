import { APPLICATION_SET_POLICIES, IN_CLUSTER_NAME, IN_CLUSTER_SERVER } from '../argoproj.js';
import { dns1123LabelErrors } from '../names.js';
import type { KubeObject } from '../types.js';
import { validateApplicationStatus } from './application.js';
import { FieldPath, invalid, invalidEach, notSupported, required, type FieldErrors } from './fieldErrors.js';
import { arr, bool, isObject, obj, str, strings } from './values.js';

/**
 * argoproj.io/v1alpha1 Application, as Argo CD accepts it: one `source` or a list of `sources`,
 * a destination by `server` or by `name` (not both), a project. What Skiff cannot do with a valid
 * spec (a remote cluster, a Helm repository chart) is a condition the git watcher writes, not a
 * refusal here: a repository written for Argo CD must still apply.
 */
export function validateArgoApplication(app: KubeObject, errs: FieldErrors): void {
  const specPath = FieldPath.root('spec');
  const spec = obj(app.spec, specPath, errs);
  str(spec.project, specPath.child('project'), errs);

  const hasSource = spec.source !== undefined && spec.source !== null;
  const sources = arr(spec.sources, specPath.child('sources'), errs);
  if (hasSource && sources.length) errs.push(invalid(specPath.child('sources'), '<list>', 'must not be set together with spec.source'));
  if (!hasSource && !sources.length) errs.push(required(specPath.child('source'), 'one of spec.source or spec.sources is required'));
  if (hasSource) validateSource(spec.source, specPath.child('source'), errs);
  sources.forEach((s, i) => validateSource(s, specPath.child('sources').index(i), errs));

  const destinationPath = specPath.child('destination');
  if (!isObject(spec.destination)) errs.push(required(destinationPath));
  const destination = obj(spec.destination, destinationPath, errs);
  const server = str(destination.server, destinationPath.child('server'), errs);
  const name = str(destination.name, destinationPath.child('name'), errs);
  if (server && name) errs.push(invalid(destinationPath.child('name'), name, 'must not be set together with destination.server'));
  if (!server && !name) errs.push(required(destinationPath.child('server'), `one of destination.server (${IN_CLUSTER_SERVER}) or destination.name (${IN_CLUSTER_NAME}) is required`));
  const namespace = str(destination.namespace, destinationPath.child('namespace'), errs);
  if (namespace) errs.push(...invalidEach(destinationPath.child('namespace'), namespace, dns1123LabelErrors(namespace)));

  const policyPath = specPath.child('syncPolicy');
  const policy = obj(spec.syncPolicy, policyPath, errs);
  const automated = obj(policy.automated, policyPath.child('automated'), errs);
  for (const f of ['prune', 'selfHeal', 'allowEmpty']) bool(automated[f], policyPath.child('automated', f), errs);
  for (const option of strings(policy.syncOptions, policyPath.child('syncOptions'), errs)) {
    if (!/^[A-Za-z0-9][-A-Za-z0-9_.]*=.*$/.test(option.value)) errs.push(invalid(option.path, option.value, 'must be of the form Key=Value, e.g. CreateNamespace=true'));
  }

  validateApplicationStatus(app, errs);
}

function validateSource(v: unknown, path: FieldPath, errs: FieldErrors): void {
  const source = obj(v, path, errs);
  if (!str(source.repoURL, path.child('repoURL'), errs)) errs.push(required(path.child('repoURL')));
  str(source.targetRevision, path.child('targetRevision'), errs);
  str(source.chart, path.child('chart'), errs);
  const ref = str(source.ref, path.child('ref'), errs);
  if (ref && !/^[A-Za-z0-9_-]+$/.test(ref)) errs.push(invalid(path.child('ref'), ref, 'must consist of alphanumeric characters, - or _'));
  const dir = str(source.path, path.child('path'), errs);
  if (dir.startsWith('/')) errs.push(invalid(path.child('path'), dir, 'must be a path relative to the repository root'));
  else if (dir.split('/').includes('..')) errs.push(invalid(path.child('path'), dir, "must not contain '..'"));
}

/** argoproj.io/v1alpha1 AppProject: globs for repositories and destinations, group/kind lists. */
export function validateAppProject(project: KubeObject, errs: FieldErrors): void {
  const specPath = FieldPath.root('spec');
  const spec = obj(project.spec, specPath, errs);
  strings(spec.sourceRepos, specPath.child('sourceRepos'), errs);
  arr(spec.destinations, specPath.child('destinations'), errs).forEach((d, i) => {
    const path = specPath.child('destinations').index(i);
    const dest = obj(d, path, errs);
    for (const f of ['server', 'name', 'namespace']) str(dest[f], path.child(f), errs);
  });
  for (const list of ['clusterResourceWhitelist', 'clusterResourceBlacklist', 'namespaceResourceWhitelist', 'namespaceResourceBlacklist']) {
    arr(spec[list], specPath.child(list), errs).forEach((gk, i) => {
      const path = specPath.child(list).index(i);
      const entry = obj(gk, path, errs);
      str(entry.group, path.child('group'), errs);
      if (!str(entry.kind, path.child('kind'), errs)) errs.push(required(path.child('kind')));
    });
  }
}

/**
 * argoproj.io/v1alpha1 ApplicationSet: generators and a template. The template is not validated
 * as an Application: its strings hold parameters; what it renders to is validated when created.
 */
export function validateApplicationSet(set: KubeObject, errs: FieldErrors): void {
  const specPath = FieldPath.root('spec');
  const spec = obj(set.spec, specPath, errs);
  const generators = arr(spec.generators, specPath.child('generators'), errs);
  if (!generators.length) errs.push(required(specPath.child('generators')));
  generators.forEach((g, i) => obj(g, specPath.child('generators').index(i), errs));
  if (!isObject(spec.template)) errs.push(required(specPath.child('template')));
  bool(spec.goTemplate, specPath.child('goTemplate'), errs);
  const policyPath = specPath.child('syncPolicy');
  const policy = obj(spec.syncPolicy, policyPath, errs);
  bool(policy.preserveResourcesOnDeletion, policyPath.child('preserveResourcesOnDeletion'), errs);
  const sync = str(policy.applicationsSync, policyPath.child('applicationsSync'), errs);
  if (sync && !APPLICATION_SET_POLICIES.includes(sync as (typeof APPLICATION_SET_POLICIES)[number])) errs.push(notSupported(policyPath.child('applicationsSync'), sync, APPLICATION_SET_POLICIES));
}
