import { HEALTH_STATUSES, OPERATION_PHASES, SYNC_STATUSES } from '../gitops.js';
import { dns1123LabelErrors, dns1123SubdomainErrors } from '../names.js';
import type { KubeObject } from '../types.js';
import { FieldPath, invalid, invalidEach, notSupported, required, type FieldErrors } from './fieldErrors.js';
import { validateApplicationSource } from './applicationSource.js';
import { arr, bool, int, obj, str, strings } from './values.js';

/**
 * skiff.dev/v1alpha1 Application: where desired state comes from (a git repository, a revision, a
 * directory in it) and which namespace it lands in. The field names follow Argo CD's Application.
 */
export function validateApplication(app: KubeObject, errs: FieldErrors): void {
  const specPath = FieldPath.root('spec');
  const spec = obj(app.spec, specPath, errs);

  const sourcePath = specPath.child('source');
  const source = obj(spec.source, sourcePath, errs);
  const repoURL = str(source.repoURL, sourcePath.child('repoURL'), errs);
  if (!repoURL) errs.push(required(sourcePath.child('repoURL')));
  else {
    const problem = repoURLError(repoURL);
    if (problem) errs.push(invalid(sourcePath.child('repoURL'), repoURL, problem));
  }
  str(source.targetRevision, sourcePath.child('targetRevision'), errs);
  const dir = str(source.path, sourcePath.child('path'), errs);
  const dirProblem = repoPathError(dir);
  if (dirProblem) errs.push(invalid(sourcePath.child('path'), dir, dirProblem));
  validateApplicationSource(source, sourcePath, errs);

  const destinationPath = specPath.child('destination');
  const destination = obj(spec.destination, destinationPath, errs);
  const namespace = str(destination.namespace, destinationPath.child('namespace'), errs);
  if (!namespace) errs.push(required(destinationPath.child('namespace')));
  else errs.push(...invalidEach(destinationPath.child('namespace'), namespace, dns1123LabelErrors(namespace)));

  const policyPath = specPath.child('syncPolicy');
  const policy = obj(spec.syncPolicy, policyPath, errs);
  const automated = obj(policy.automated, policyPath.child('automated'), errs);
  bool(automated.prune, policyPath.child('automated', 'prune'), errs);
  bool(automated.selfHeal, policyPath.child('automated', 'selfHeal'), errs);
  bool(policy.autoRollback, policyPath.child('autoRollback'), errs);
  for (const option of strings(policy.syncOptions, policyPath.child('syncOptions'), errs)) {
    if (!/^[A-Za-z0-9][-A-Za-z0-9_.]*=.*$/.test(option.value)) errs.push(invalid(option.path, option.value, 'must be of the form Key=Value, e.g. CreateNamespace=true'));
  }

  // An argoproj.io AppProject in the Application's namespace; absent: no project rules apply.
  str(spec.project, specPath.child('project'), errs);
  // The account the objects are applied as: a ServiceAccount name of the Application's namespace.
  const account = str(spec.serviceAccountName, specPath.child('serviceAccountName'), errs);
  if (account) errs.push(...invalidEach(specPath.child('serviceAccountName'), account, dns1123SubdomainErrors(account)));
  validateRetry(policy.retry, policyPath.child('retry'), errs);
  validateIgnoreDifferences(spec.ignoreDifferences, specPath.child('ignoreDifferences'), errs);

  const interval = int(spec.refreshIntervalSeconds, specPath.child('refreshIntervalSeconds'), errs);
  if (interval !== undefined && interval < 1) errs.push(invalid(specPath.child('refreshIntervalSeconds'), interval, 'must be greater than 0'));

  validateApplicationStatus(app, errs);
}

const GO_DURATION = /^(\d+(\.\d+)?(ms|s|m|h))+$/;

/** Argo CD's `syncPolicy.retry`: limit (negative: unlimited), backoff durations as Go writes them ("5s", "3m"), an integer factor. */
function validateRetry(v: unknown, path: FieldPath, errs: FieldErrors): void {
  const retry = obj(v, path, errs);
  int(retry.limit, path.child('limit'), errs);
  const backoff = obj(retry.backoff, path.child('backoff'), errs);
  for (const field of ['duration', 'maxDuration'] as const) {
    const d = str(backoff[field], path.child('backoff', field), errs);
    if (d && !GO_DURATION.test(d)) errs.push(invalid(path.child('backoff', field), d, 'must be a duration such as 5s, 3m or 1h30m'));
  }
  const factor = int(backoff.factor, path.child('backoff', 'factor'), errs);
  if (factor !== undefined && factor < 1) errs.push(invalid(path.child('backoff', 'factor'), factor, 'must be at least 1'));
}

/**
 * Argo CD's `ignoreDifferences`: which objects (kind, optional group, name, namespace) and which of
 * their fields (JSON pointers, jq path expressions, managedFields managers). The jq subset is
 * checked by the git watcher, which reports an expression it cannot evaluate as a condition.
 */
function validateIgnoreDifferences(v: unknown, path: FieldPath, errs: FieldErrors): void {
  arr(v, path, errs).forEach((item, i) => {
    const p = path.index(i);
    const rule = obj(item, p, errs);
    if (!str(rule.kind, p.child('kind'), errs)) errs.push(required(p.child('kind')));
    for (const f of ['group', 'name', 'namespace'] as const) str(rule[f], p.child(f), errs);
    for (const pointer of strings(rule.jsonPointers, p.child('jsonPointers'), errs)) {
      if (pointer.value !== '' && !pointer.value.startsWith('/')) errs.push(invalid(pointer.path, pointer.value, 'must be a JSON pointer such as /spec/replicas'));
    }
    for (const expr of strings(rule.jqPathExpressions, p.child('jqPathExpressions'), errs)) {
      if (!expr.value.trim()) errs.push(invalid(expr.path, expr.value, 'must not be empty'));
    }
    strings(rule.managedFieldsManagers, p.child('managedFieldsManagers'), errs);
  });
}

/** Only the enumerations: controllers write status, and a typo there should fail loudly. */
export function validateApplicationStatus(app: KubeObject, errs: FieldErrors): void {
  const statusPath = FieldPath.root('status');
  const status = obj(app.status, statusPath, errs);
  const enumAt = (v: unknown, path: FieldPath, allowed: readonly string[]) => {
    const value = str(v, path, errs);
    if (value && !allowed.includes(value)) errs.push(notSupported(path, value, allowed));
  };
  enumAt(obj(status.sync, statusPath.child('sync'), errs).status, statusPath.child('sync', 'status'), SYNC_STATUSES);
  enumAt(obj(status.health, statusPath.child('health'), errs).status, statusPath.child('health', 'status'), HEALTH_STATUSES);
  enumAt(obj(status.operationState, statusPath.child('operationState'), errs).phase, statusPath.child('operationState', 'phase'), OPERATION_PHASES);
}

const URL_SCHEMES = ['file:', 'http:', 'https:', 'ssh:'];

/**
 * A repository is a local path (`/srv/git/app`, `./repo`), a `file://` URL, an `http(s)://` or
 * `ssh://` URL, or scp-like `git@host:path`; the git watcher speaks nothing else.
 */
function repoURLError(value: string): string | undefined {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(value);
  // `C:\repo` is a path, not a URL with scheme "c".
  if (!scheme || /^[A-Za-z]:[\\/]/.test(value)) return undefined;
  if (!URL_SCHEMES.includes(`${scheme[1].toLowerCase()}:`)) return 'must be a local path, a file:// URL, an http(s):// or ssh:// URL, or git@host:path';
  try {
    const url = new URL(value);
    if (url.protocol !== 'file:' && !url.hostname) return 'must name a host';
  } catch {
    return 'must be a valid URL';
  }
  return undefined;
}

/** The directory inside the repository: relative, and never above the repository's root. */
function repoPathError(value: string): string | undefined {
  if (value.startsWith('/')) return 'must be a path relative to the repository root';
  if (value.split('/').includes('..')) return "must not contain '..'";
  return undefined;
}
