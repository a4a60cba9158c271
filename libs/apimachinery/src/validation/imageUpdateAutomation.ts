import { dns1123LabelErrors, dns1123SubdomainErrors } from '../names.js';
import type { KubeObject } from '../types.js';
import { FieldPath, invalid, invalidEach, notSupported, required, type FieldErrors } from './fieldErrors.js';
import { validateImageConditions, validateInterval } from './imageRepository.js';
import { obj, str, stringMap } from './values.js';

/** What an automation may take its repository from: Skiff has no Flux GitRepository. */
export const AUTOMATION_SOURCE_KINDS = ['Application'] as const;
const STRATEGIES = ['Setters'] as const;
const BRANCH = /^(?!\/|.*\/\/|.*\.\.|.*\/$|.*\.lock$|.*[\s~^:?*[\\@{])[^\0]+$/;

/**
 * image.toolkit.fluxcd.io/v1beta2 ImageUpdateAutomation: which repository to write to (an
 * Application's), on which branch, under which path, and who the commits are from.
 */
export function validateImageUpdateAutomation(auto: KubeObject, errs: FieldErrors): void {
  const specPath = FieldPath.root('spec');
  const spec = obj(auto.spec, specPath, errs);

  const refPath = specPath.child('sourceRef');
  const ref = obj(spec.sourceRef, refPath, errs);
  if (spec.sourceRef === undefined) errs.push(required(refPath));
  else {
    const kind = str(ref.kind, refPath.child('kind'), errs);
    if (!kind) errs.push(required(refPath.child('kind')));
    else if (!(AUTOMATION_SOURCE_KINDS as readonly string[]).includes(kind)) errs.push(notSupported(refPath.child('kind'), kind, AUTOMATION_SOURCE_KINDS));
    const name = str(ref.name, refPath.child('name'), errs);
    if (!name) errs.push(required(refPath.child('name')));
    else errs.push(...invalidEach(refPath.child('name'), name, dns1123SubdomainErrors(name)));
    const namespace = str(ref.namespace, refPath.child('namespace'), errs);
    if (namespace) errs.push(...invalidEach(refPath.child('namespace'), namespace, dns1123LabelErrors(namespace)));
    const apiVersion = str(ref.apiVersion, refPath.child('apiVersion'), errs);
    if (apiVersion && apiVersion !== 'skiff.dev/v1alpha1') errs.push(notSupported(refPath.child('apiVersion'), apiVersion, ['skiff.dev/v1alpha1']));
  }

  const gitPath = specPath.child('git');
  const git = obj(spec.git, gitPath, errs);
  const checkout = obj(git.checkout, gitPath.child('checkout'), errs);
  const checkoutRef = obj(checkout.ref, gitPath.child('checkout', 'ref'), errs);
  branchField(checkoutRef.branch, gitPath.child('checkout', 'ref', 'branch'), errs);
  branchField(obj(git.push, gitPath.child('push'), errs).branch, gitPath.child('push', 'branch'), errs);
  const commitPath = gitPath.child('commit');
  const commit = obj(git.commit, commitPath, errs);
  if (spec.git === undefined) errs.push(required(gitPath, 'the commit author is needed to write to the repository'));
  else if (git.commit === undefined) errs.push(required(commitPath));
  else {
    const authorPath = commitPath.child('author');
    const author = obj(commit.author, authorPath, errs);
    str(author.name, authorPath.child('name'), errs);
    const email = str(author.email, authorPath.child('email'), errs);
    if (!email) errs.push(required(authorPath.child('email')));
    else if (/[<>\n]/.test(email)) errs.push(invalid(authorPath.child('email'), email, 'must not contain <, > or a newline'));
    str(commit.messageTemplate, commitPath.child('messageTemplate'), errs);
  }

  validateInterval(spec.interval, specPath.child('interval'), errs, true);
  const updatePath = specPath.child('update');
  const update = obj(spec.update, updatePath, errs);
  const path = str(update.path, updatePath.child('path'), errs);
  if (path && (path.split('/').includes('..') || path.includes('\0'))) errs.push(invalid(updatePath.child('path'), path, 'must be a path inside the repository'));
  const strategy = str(update.strategy, updatePath.child('strategy'), errs);
  if (strategy && !(STRATEGIES as readonly string[]).includes(strategy)) errs.push(notSupported(updatePath.child('strategy'), strategy, STRATEGIES));
  stringMap(obj(spec.policySelector, specPath.child('policySelector'), errs).matchLabels, specPath.child('policySelector', 'matchLabels'), errs);

  const statusPath = FieldPath.root('status');
  const status = obj(auto.status, statusPath, errs);
  str(status.lastPushCommit, statusPath.child('lastPushCommit'), errs);
  validateImageConditions(status.conditions, statusPath.child('conditions'), errs);
}

function branchField(value: unknown, path: FieldPath, errs: FieldErrors): void {
  const branch = str(value, path, errs);
  if (branch && !BRANCH.test(branch)) errs.push(invalid(path, branch, 'must be a valid git branch name'));
}
